import Foundation
import LinearAlgebra

/// Whether the offset F of `PowerLaw` is fitted, known (from an NTK, or 0 for the vanilla law), or
/// given by a tangent kernel's spectrum as a function of the fine-tuning steps t, which is fitted.
public enum Offset: Sendable, Equatable {
    case free
    case fixed(Double)
    case kernel(SpectralOffset)
}

/// A fitted `PowerLaw` with its uncertainty and quality.
public struct PowerLawFit: Sendable {
    public var law: PowerLaw
    /// Standard errors of B, β, E, F (in `PowerLaw.names` order) by the delta method from
    /// σ̂² (JᵀJ)⁻¹ in the fitted log-parameters, σ̂² = SSE / (n − p); nil for a fixed parameter or
    /// when there are no residual degrees of freedom (n = p).
    public var standardErrors: [Double?]
    /// Per parameter (`PowerLaw.names` order): fitted, but not determined by the data. Its log-space
    /// direction has a zero variance in σ̂² (JᵀJ)⁻¹ (the solver dropped it as flat): the parameter ran to
    /// the edge of its range (E or F toward 0, t toward 0) where the loss no longer depends on it, and
    /// its value is where the solver stopped, not an estimate. Its standard error is nil, not 0.
    public var undetermined: [Bool] = [false, false, false, false]
    /// σ̂² (JᵀJ)⁻¹ in the fitted log-parameters θ = (log B, log β, log E[, log F]), row-major (p, p);
    /// nil when there are no residual degrees of freedom.
    public var logCovariance: [Double]?
    /// Root-mean-square error in loss units over the fitted points.
    public var rmse: Double
    /// Root-mean-square error in log-loss (the fitted metric).
    public var logRMSE: Double
    public var pointCount: Int
    public var freeParameterCount: Int
    /// With `Offset.kernel`: the fitted fine-tuning steps t, F = F(t).
    public var kernelSteps: Double?
}

extension PowerLawFit {
    /// The law's crossover D* = F^(1/β) (`PowerLaw.crossover`) with its `level` interval,
    /// exp(log D* ± t se), se by the delta method on log D* = log F / β from `logCovariance`
    /// (gradient (∂/∂log β, ∂/∂log F) = (−log F / β, 1 / β)), t from Student's t on n − p degrees of
    /// freedom. nil when F is not fitted or is 0; the interval is nil without degrees of freedom.
    public func crossover(level: Double) -> (size: Double, interval: ClosedRange<Double>?)? {
        guard freeParameterCount == 4, let size = law.crossover else { return nil }
        guard let c = logCovariance else { return (size, nil) }
        let (gBeta, gF) = (-log(law.f) / law.beta, 1 / law.beta)
        let variance = gBeta * gBeta * c[1 * 4 + 1] + 2 * gBeta * gF * c[1 * 4 + 3] + gF * gF * c[3 * 4 + 3]
        let half = Statistics.studentTQuantile((1 + level) / 2, degreesOfFreedom: Double(pointCount - freeParameterCount))
            * max(variance, 0).squareRoot()
        return (size, exp(log(size) - half)...exp(log(size) + half))
    }
}

/// Why a fit produced no usable answer; never a NaN in disguise.
public struct FitError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}

extension PowerLaw {
    /// Fits L(D) = B / (F + D^β) + E to (Dᵢ, Lᵢ) by least squares in log-loss,
    /// min Σᵢ (log L(Dᵢ) − log Lᵢ)², with GSL's Levenberg–Marquardt.
    ///
    /// Bounds are enforced by fitting θ = (log B, log β, log E[, log F]). Starts are data-driven:
    /// over `StartGrid`'s β, E (fractions of the smallest loss) and F (multiples of D^β at the
    /// middle size), B is set by matching the mean log-loss; the grid is screened by its cost and
    /// only the best starts are polished by LM. A point with D = 0 (the
    /// zero-shot loss) is allowed when F is free or positive.
    /// - Throws: `FitError` when there are fewer points than free parameters or no start converges.
    /// - Complexity: O(g n) for the screen of g grid points plus the LM polishes, O(n p²) each iteration.
    public static func fit(sizes: [Double], losses: [Double], offset: Offset) throws(FitError) -> PowerLawFit {
        let problem = LogLossProblem(sizes: sizes, losses: losses, offset: offset)
        let p = problem.parameterCount
        guard sizes.count >= p else {
            throw FitError("\(sizes.count) points cannot determine \(p) parameters")
        }
        if case .fixed(let f) = offset, f == 0, sizes.contains(0) {
            throw FitError("the vanilla law (F = 0) is infinite at D = 0; leave the zero-shot point out")
        }
        if case .kernel(let k) = offset, !(k.eigenvalues.contains { $0 > 0 } && k.projections.contains { $0 > 0 }) {
            throw FitError("the kernel's F(t) does not depend on t (no positive eigenvalue carries the residual); t cannot be fitted")
        }

        let solution: LeastSquaresSolution
        do {
            solution = try solveLeastSquares(problem.gslProblem, starts: problem.starts, polish: StartGrid.polished)
        } catch {
            throw FitError("the fit failed from every start: \(error)")
        }

        let law = problem.law(solution.parameters)
        guard law.values.allSatisfy({ $0.isFinite }) else {
            throw FitError("the fit diverged: \(law)")
        }
        let n = sizes.count
        let sse = solution.sumOfSquares
        let dof = n - p
        var errors = [Double?](repeating: nil, count: 4)
        var undetermined = [false, false, false, false]
        var covariance: [Double]?
        if dof > 0 {
            let sigma2 = sse / Double(dof)
            covariance = solution.inverseNormalMatrix.map { sigma2 * $0 }
            for (j, slot) in problem.slots.enumerated() {
                let variance = sigma2 * solution.inverseNormalMatrix[j * p + j]
                if variance > 0 { errors[slot] = law.values[slot] * variance.squareRoot() } else if sigma2 > 0 { undetermined[slot] = true }
            }
        }
        let lossSSE = zip(sizes, losses).reduce(0.0) { $0 + pow(law($1.0) - $1.1, 2) }
        var kernelSteps: Double?
        if case .kernel = offset {
            kernelSteps = exp(solution.parameters[3])
            errors[3] = nil  // F is a function of the fitted t, not a parameter of its own
        }
        return PowerLawFit(law: law, standardErrors: errors, undetermined: undetermined, logCovariance: covariance,
                           rmse: (lossSSE / Double(n)).squareRoot(),
                           logRMSE: (sse / Double(n)).squareRoot(),
                           pointCount: n, freeParameterCount: p, kernelSteps: kernelSteps)
    }
}

/// The residuals rᵢ = log L(Dᵢ; θ) − log Lᵢ and their Jacobian, with θ = (log B, log β, log E[, log F]),
/// or θ₃ = log t for a kernel's F(t).
private struct LogLossProblem {
    let sizes: [Double]
    let logLosses: [Double]
    let offset: Offset

    init(sizes: [Double], losses: [Double], offset: Offset) {
        self.sizes = sizes
        self.logLosses = losses.map { log($0) }
        self.offset = offset
    }

    var fitsOffset: Bool {
        switch offset {
        case .free, .kernel: return true
        case .fixed: return false
        }
    }
    var parameterCount: Int { fitsOffset ? 4 : 3 }
    /// Where each fitted parameter sits in `PowerLaw.values`.
    var slots: [Int] { fitsOffset ? [0, 1, 2, 3] : [0, 1, 2] }

    func law(_ theta: [Double]) -> PowerLaw {
        let f: Double
        switch offset {
        case .free: f = exp(theta[3])
        case .fixed(let value): f = value
        case .kernel(let k): f = k(steps: exp(theta[3]))
        }
        return PowerLaw(b: exp(theta[0]), beta: exp(theta[1]), e: exp(theta[2]), f: f)
    }

    func residuals(_ theta: UnsafeBufferPointer<Double>, _ r: UnsafeMutableBufferPointer<Double>) {
        let law = law(Array(theta))
        for (i, d) in sizes.enumerated() { r[i] = log(law(d)) - logLosses[i] }
    }

    /// ∂ log L / ∂θ = (∂L/∂θ) / L with, for S = F + D^β and T = B / S:
    /// ∂L/∂log B = T, ∂L/∂log β = −T β D^β log D / S, ∂L/∂log E = E, ∂L/∂log F = −T F / S, and for a
    /// kernel's F(t), ∂L/∂log t = −T t F′(t) / S.
    func jacobian(_ theta: UnsafeBufferPointer<Double>, _ J: UnsafeMutableBufferPointer<Double>) {
        let law = law(Array(theta))
        let p = parameterCount
        for (i, d) in sizes.enumerated() {
            let power = d == 0 ? 0 : pow(d, law.beta)
            let s = law.f + power
            let t = law.b / s
            let l = t + law.e
            J[i * p + 0] = t / l
            J[i * p + 1] = d == 0 ? 0 : -t * law.beta * power * log(d) / s / l
            J[i * p + 2] = law.e / l
            switch offset {
            case .free: J[i * p + 3] = -t * law.f / s / l
            case .kernel(let k):
                let steps = exp(theta[3])
                J[i * p + 3] = -t * steps * k.derivative(steps: steps) / s / l
            case .fixed: break
            }
        }
    }

    var gslProblem: LeastSquaresProblem {
        LeastSquaresProblem(residualCount: sizes.count, parameterCount: parameterCount,
                            residuals: residuals, jacobian: jacobian)
    }

    /// The starts: for each exponent β, floor E (a fraction of the smallest loss) and, when F is
    /// free, offset F (a multiple of D^β at the middle size) of `StartGrid`, B matching the mean of
    /// log(L − E) + log(F + D^β), its least-squares value in log-loss with E fixed.
    var starts: [[Double]] {
        let positive = sizes.filter { $0 > 0 }
        let minLoss = exp(logLosses.min()!)
        let middle = positive.isEmpty ? 1.0 : positive[positive.count / 2]
        var axes = [StartGrid.exponents, StartGrid.floorFractions]
        if fitsOffset { axes.append(StartGrid.offsetMultiples) }
        return StartGrid.starts(axes) { point in
            let (beta, e) = (point[0], point[1] * minLoss)
            let f: Double
            var logSteps = 0.0
            switch offset {
            case .fixed(let value): f = value
            case .free: f = point[2] * pow(middle, beta)
            case .kernel(let k):
                // t where F(t) is nearest the free offset's start, on a log grid over the decay's range.
                let want = point[2] * pow(middle, beta), top = k.eigenvalues.max()!
                let candidates = (-8...8).map { 2 * k.rate * top * pow(10, Double($0) / 2) }.map { 1 / $0 }
                logSteps = log(candidates.min { abs(log(k(steps: $0) + 1e-300) - log(want)) < abs(log(k(steps: $1) + 1e-300) - log(want)) }!)
                f = k(steps: exp(logSteps))
            }
            var sum = 0.0
            for (d, ll) in zip(sizes, logLosses) {
                sum += log(exp(ll) - e) + log(f + (d == 0 ? 0 : pow(d, beta)))
            }
            var theta = [sum / Double(sizes.count), log(beta), log(e)]
            switch offset {
            case .free: theta.append(log(f))
            case .kernel: theta.append(logSteps)
            case .fixed: break
            }
            return theta
        }
    }
}
