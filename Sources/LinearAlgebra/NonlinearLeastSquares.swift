import _CGSL

/// A nonlinear least-squares problem  min_x ½ Σᵢ rᵢ(x)²  with n residuals and p parameters.
///
/// The residual and Jacobian closures write into caller-owned buffers; the Jacobian is
/// row-major (n, p), `J[i * p + j] = ∂rᵢ/∂xⱼ`.
public struct LeastSquaresProblem {
    public var residualCount: Int
    public var parameterCount: Int
    public var residuals: (_ x: UnsafeBufferPointer<Double>, _ r: UnsafeMutableBufferPointer<Double>) -> Void
    public var jacobian: (_ x: UnsafeBufferPointer<Double>, _ J: UnsafeMutableBufferPointer<Double>) -> Void

    public init(
        residualCount: Int, parameterCount: Int,
        residuals: @escaping (_ x: UnsafeBufferPointer<Double>, _ r: UnsafeMutableBufferPointer<Double>) -> Void,
        jacobian: @escaping (_ x: UnsafeBufferPointer<Double>, _ J: UnsafeMutableBufferPointer<Double>) -> Void
    ) {
        self.residualCount = residualCount
        self.parameterCount = parameterCount
        self.residuals = residuals
        self.jacobian = jacobian
    }
}

/// The result of `solveLeastSquares`.
public struct LeastSquaresSolution: Sendable {
    /// The minimiser x̂ (p).
    public var parameters: [Double]
    /// r(x̂) (n).
    public var residuals: [Double]
    /// Σᵢ rᵢ(x̂)².
    public var sumOfSquares: Double
    /// (Jᵀ J)⁻¹ at x̂, row-major (p, p), unscaled: multiply by σ̂² = SSE / (n − p) for the
    /// usual asymptotic covariance of x̂. Columns of J with relative norm below 1e-12 are
    /// treated as rank-deficient and get zero rows and columns (GSL's `covar` convention).
    public var inverseNormalMatrix: [Double]
    public var iterations: Int
    /// Whether the driver met one of its tolerances (step, gradient or cost) before `maxIterations`.
    public var converged: Bool
}

/// Why a least-squares solve produced no usable answer.
public struct LeastSquaresFailure: Error, CustomStringConvertible, Sendable {
    public var description: String
}

/// Minimises ½‖r(x)‖² by GSL's trust-region Levenberg–Marquardt with geodesic-free steps and
/// Moré scaling (`gsl_multifit_nlinear_trust`, the library's default parameters).
///
/// Non-finite residuals or Jacobian entries at a trial point make the driver reject the step,
/// so a model that overflows in part of parameter space does not poison the solve; if the
/// start itself is non-finite the solve throws.
/// - Complexity: per iteration one residual and one Jacobian evaluation plus O(n p²) for the
///   QR-based trust-region subproblem.
public func solveLeastSquares(
    _ problem: LeastSquaresProblem, start: [Double],
    maxIterations: Int = 200, xtol: Double = 1e-10, gtol: Double = 1e-10
) throws(LeastSquaresFailure) -> LeastSquaresSolution {
    GSL.initialise()
    let n = problem.residualCount, p = problem.parameterCount
    precondition(start.count == p, "start has \(start.count) parameters, the problem \(p)")
    guard n >= p else {
        throw LeastSquaresFailure(description: "\(n) residuals cannot determine \(p) parameters")
    }

    let box = Unmanaged.passRetained(ProblemBox(problem))
    defer { box.release() }

    var fdf = gsl_multifit_nlinear_fdf()
    fdf.f = { x, params, f in
        let problem = Unmanaged<ProblemBox>.fromOpaque(params!).takeUnretainedValue().problem
        let x = x!, f = f!
        let ok = GSL.withVector(x) { xs in
            GSL.withMutableVector(f) { rs in
                problem.residuals(xs, rs)
                return rs.allSatisfy { $0.isFinite }
            }
        }
        return ok ? Int32(GSL_SUCCESS) : Int32(GSL_EBADFUNC)
    }
    fdf.df = { x, params, J in
        let problem = Unmanaged<ProblemBox>.fromOpaque(params!).takeUnretainedValue().problem
        let J = J!
        let (rows, cols) = (Int(J.pointee.size1), Int(J.pointee.size2))
        precondition(Int(J.pointee.tda) == cols, "GSL Jacobian is not contiguous")
        let ok = GSL.withVector(x!) { xs in
            let js = UnsafeMutableBufferPointer(start: J.pointee.data, count: rows * cols)
            problem.jacobian(xs, js)
            return js.allSatisfy { $0.isFinite }
        }
        return ok ? Int32(GSL_SUCCESS) : Int32(GSL_EBADFUNC)
    }
    fdf.fvv = nil
    fdf.n = n
    fdf.p = p
    fdf.params = box.toOpaque()

    var parameters = gsl_multifit_nlinear_default_parameters()
    parameters.trs = lens_gsl_nlinear_trs_lm()
    parameters.scale = lens_gsl_nlinear_scale_more()
    parameters.solver = lens_gsl_nlinear_solver_qr()
    guard let workspace = gsl_multifit_nlinear_alloc(lens_gsl_nlinear_trust(), &parameters, n, p) else {
        throw LeastSquaresFailure(description: "GSL could not allocate a workspace for (\(n), \(p))")
    }
    defer { gsl_multifit_nlinear_free(workspace) }

    let x0 = gsl_vector_alloc(p)!
    defer { gsl_vector_free(x0) }
    for (i, v) in start.enumerated() { gsl_vector_set(x0, i, v) }

    let initStatus = gsl_multifit_nlinear_init(x0, &fdf, workspace)
    guard initStatus == GSL_SUCCESS else {
        throw LeastSquaresFailure(description: "the model is not finite at the start \(start)")
    }
    var info: Int32 = 0
    let status = gsl_multifit_nlinear_driver(maxIterations, xtol, gtol, 0, nil, nil, &info, workspace)
    // GSL_EMAXITER: out of iterations; GSL_ENOPROG: no step lowers the cost (a minimum to
    // round-off). Both leave a valid current point; any other error does not.
    guard status == GSL_SUCCESS || status == GSL_EMAXITER || status == GSL_ENOPROG else {
        throw LeastSquaresFailure(description: "GSL nonlinear least squares failed: \(GSL.message(status))")
    }

    let x = gsl_multifit_nlinear_position(workspace)!
    let f = gsl_multifit_nlinear_residual(workspace)!
    let J = gsl_multifit_nlinear_jac(workspace)!
    let covariance = gsl_matrix_alloc(p, p)!
    defer { gsl_matrix_free(covariance) }
    gsl_multifit_nlinear_covar(J, 1e-12, covariance)

    let solutionX = (0..<p).map { gsl_vector_get(x, $0) }
    let r = (0..<n).map { gsl_vector_get(f, $0) }
    var inverse = [Double](repeating: 0, count: p * p)
    for i in 0..<p { for j in 0..<p { inverse[i * p + j] = gsl_matrix_get(covariance, i, j) } }
    return LeastSquaresSolution(
        parameters: solutionX, residuals: r,
        sumOfSquares: r.reduce(0) { $0 + $1 * $1 },
        inverseNormalMatrix: inverse,
        iterations: Int(gsl_multifit_nlinear_niter(workspace)),
        converged: status == GSL_SUCCESS || status == GSL_ENOPROG)
}

/// Holds the problem's closures behind the `void *params` of GSL's callbacks.
private final class ProblemBox {
    let problem: LeastSquaresProblem
    init(_ problem: LeastSquaresProblem) { self.problem = problem }
}

/// Multi-start least squares: evaluates ½‖r‖² at every start (cheap), polishes the `polish`
/// cheapest finite ones with `solveLeastSquares`, and returns the solution of lowest cost.
/// - Throws: when no start has a finite cost or every polish fails.
/// - Complexity: one residual evaluation per start plus `polish` LM solves.
public func solveLeastSquares(
    _ problem: LeastSquaresProblem, starts: [[Double]], polish: Int = 4,
    maxIterations: Int = 200, xtol: Double = 1e-10, gtol: Double = 1e-10
) throws(LeastSquaresFailure) -> LeastSquaresSolution {
    var r = [Double](repeating: 0, count: problem.residualCount)
    var screened: [(cost: Double, start: [Double])] = []
    for start in starts {
        start.withUnsafeBufferPointer { x in r.withUnsafeMutableBufferPointer { problem.residuals(x, $0) } }
        let cost = r.reduce(0) { $0 + $1 * $1 }
        if cost.isFinite { screened.append((cost, start)) }
    }
    guard !screened.isEmpty else {
        throw LeastSquaresFailure(description: "the model is not finite at any of \(starts.count) starts")
    }
    var best: LeastSquaresSolution?
    var lastFailure: LeastSquaresFailure?
    for (_, start) in screened.sorted(by: { $0.cost < $1.cost }).prefix(polish) {
        do {
            let solution = try solveLeastSquares(problem, start: start, maxIterations: maxIterations,
                                                 xtol: xtol, gtol: gtol)
            if best == nil || solution.sumOfSquares < best!.sumOfSquares { best = solution }
        } catch {
            lastFailure = error
        }
    }
    guard let best else { throw lastFailure! }
    return best
}
