import Foundation
import LinearAlgebra

/// The Lanczos process with full reorthogonalisation on a symmetric operator H:
///
///     H Q_k = Q_k T_k + β_k q_{k+1} e_kᵀ,    Q_kᵀ Q_k = I,
///
/// with T_k = tridiag(β, α, β) and q₁ = v / ‖v‖. With `.full` reorthogonalisation each step
/// reorthogonalises the new vector against the whole basis by classical Gram–Schmidt, twice when the first
/// pass cancels much of it (the DGKS criterion), so Q_k stays orthonormal to working precision and the Ritz
/// values carry no spurious copies. With `.partial` (Simon 1984) a step does so only when the running
/// estimate of the new vector's products with the basis (`OrthogonalityEstimate`) would pass √ε, and the
/// step after it too; the basis stays semiorthogonal, |q_iᵀ q_j| ≤ √ε, which is all T_k needs: Simon's
/// Theorem 4 (Math. Comp. 42, 1984) shows that T_k then equals W_kᵀ H W_k to O(ε ‖H‖) for an orthonormal
/// basis W_k of span(Q_k) with first vector q₁ (the QR factor of Q_k), the order full reorthogonalisation
/// reaches. The basis is read twice per reorthogonalisation, so on operators whose product is cheap
/// against k n memory traffic (a block of the embeddings) it saves most of a step's cost.
///
/// On breakdown (β_j ≤ 1e-12 ‖T_j‖, `breakdownTolerance`: the Krylov space of v is invariant under H) the run either stops
/// (quadrature: vᵀ f(H) v is then exact) or, when `restartOnBreakdown`, continues from a seeded
/// random vector orthogonalised against the basis with β_j = 0, which lets it find every copy of a
/// repeated eigenvalue and the whole spectrum at k = n.
/// - Complexity: per step one application of H and O(j n) for the reorthogonalisation; memory
///   k n entries for the basis (see `memoryBytes`).
public struct LanczosProcess<Operator: SymmetricOperator> {
    /// How each step keeps the basis orthonormal.
    public enum Reorthogonalization: Sendable {
        /// Against the whole basis every step: Q_k orthonormal to O(ε).
        case full
        /// Only when Simon's estimate would pass √ε, and the step after: Q_k semiorthogonal.
        case partial
    }

    public let op: Operator
    public let restartOnBreakdown: Bool
    public let reorthogonalization: Reorthogonalization
    /// α₁ … α_j.
    public private(set) var alpha: [Double] = []
    /// β₁ … β_{j−1}: T's off-diagonal (0 where the run restarted).
    public private(set) var beta: [Double] = []
    /// β_j, the norm of the residual that would start the next step (0 when the space is invariant).
    public private(set) var residualNorm: Double = 0
    public private(set) var applications = 0
    /// Steps that reorthogonalised against the whole basis (every step with `.full`).
    public private(set) var reorthogonalizations = 0
    /// Steps after which the run restarted.
    public private(set) var restarts: [Int] = []
    /// Whether no further step is possible (invariant space without restart, or the basis spans ℝⁿ).
    public private(set) var exhausted = false

    var basis: KrylovBasis
    /// q_{j+1}, the unit vector the next step appends and applies H to (stale once exhausted).
    private var next: [Double]
    /// H q_j as the step orthogonalises it into β_j q_{j+1}: one buffer for every step.
    private var work: [Double]
    private var rng: SeededGenerator
    /// Simon's ω for `.partial`, and whether the next step must reorthogonalise (the second of a pair).
    private var estimate: OrthogonalityEstimate
    private var reorthogonalizeNext = false

    /// The Daniel–Gragg–Kaufman–Stewart threshold: a second Gram–Schmidt pass when the first leaves less
    /// than 1/√2 of the vector's norm.
    static var secondPassThreshold: Double { 0.5.squareRoot() }

    /// The level `.partial` keeps the basis at: |q_iᵀ q_j| ≤ √ε (Simon's semiorthogonality).
    public static var semiorthogonality: Double { Double.ulpOfOne.squareRoot() }

    /// β_j ≤ `breakdownTolerance` ‖T_j‖ means the Krylov space is invariant to working precision:
    /// after two Gram–Schmidt passes the residual is round-off, a few ε ‖H‖ √j, far below 1e-12 ‖H‖
    /// for any k a run can afford, while a genuine new direction keeps β_j well above it.
    public static var breakdownTolerance: Double { 1e-12 }

    /// The bytes a run of `steps` steps on an operator of `dimension` will hold for its basis.
    public static func memoryBytes(dimension: Int, steps: Int, precision: BasisPrecision) -> Int {
        dimension * steps * precision.bytesPerEntry
    }

    /// Starts a run at v / ‖v‖ (v ≠ 0).
    /// - Precondition: `.partial` only without `restartOnBreakdown` (a restart needs a vector orthogonal to
    ///   the whole basis, which a semiorthogonal basis does not give).
    public init(_ op: Operator, start v: [Double], precision: BasisPrecision = .double, capacity: Int = 64,
                reorthogonalization: Reorthogonalization = .full, restartOnBreakdown: Bool = false, seed: UInt64 = 0x5EED) {
        precondition(v.count == op.dimension, "start vector of the wrong dimension")
        precondition(reorthogonalization == .full || !restartOnBreakdown, "partial reorthogonalisation cannot restart")
        self.op = op
        self.reorthogonalization = reorthogonalization
        self.restartOnBreakdown = restartOnBreakdown
        estimate = OrthogonalityEstimate(dimension: op.dimension)
        let norm = v.withUnsafeBufferPointer { BLAS.norm($0) }
        precondition(norm > 0 && norm.isFinite, "the start vector must be nonzero and finite")
        basis = KrylovBasis(dimension: op.dimension, precision: precision, capacity: capacity)
        next = v.map { $0 / norm }
        work = [Double](repeating: 0, count: op.dimension)
        rng = SeededGenerator(seed: seed)
    }

    public var steps: Int { alpha.count }

    /// Takes one Lanczos step; returns false (and does nothing) when the run is exhausted.
    /// - Complexity: one application of H into a kept buffer, one or two Gram–Schmidt passes O(j n) (with
    ///   `.partial`, only on the steps that reorthogonalise; O(j) for the estimate on the others); no
    ///   allocation beyond the basis's growth.
    @discardableResult
    public mutating func step() -> Bool {
        guard !exhausted else { return false }
        basis.append(next)
        let j = basis.count - 1
        let op = self.op
        next.withUnsafeBufferPointer { q in work.withUnsafeMutableBufferPointer { op.apply(q, into: $0) } }
        applications += 1
        let a = dot(next, work)
        alpha.append(a)
        for t in 0..<work.count { work[t] -= a * next[t] }
        if j > 0 { basis.subtract(row: j - 1, times: beta[j - 1], from: &work) }
        // Full reorthogonalisation by classical Gram–Schmidt, a second pass when the first removed much
        // of w (the Daniel–Gragg–Kaufman–Stewart criterion, ‖w‖ falling below ‖w₀‖/√2): then the first
        // pass's result carries the cancellation's error and the second restores orthogonality; otherwise
        // the first leaves w orthogonal to working precision. (ARPACK's rule; it reads the basis, the cost
        // of a step on large blocks, once instead of twice in the usual case.)
        let before = work.withUnsafeBufferPointer { BLAS.norm($0) }
        var b = before
        // With `.partial`, Simon's estimate decides: a pair of reorthogonalising steps when it would pass √ε.
        var omega: [Double]?
        if reorthogonalization == .partial && !reorthogonalizeNext && before > 0 {
            let (next, largest) = estimate.next(alpha: alpha, beta: beta, nextBeta: before)
            if largest > Self.semiorthogonality { reorthogonalizeNext = true } else { omega = next }
        } else {
            reorthogonalizeNext = false
        }
        if omega == nil {
            basis.orthogonalize(&work)
            b = work.withUnsafeBufferPointer { BLAS.norm($0) }
            if b < Self.secondPassThreshold * before {
                basis.orthogonalize(&work)
                b = work.withUnsafeBufferPointer { BLAS.norm($0) }
            }
            reorthogonalizations += 1
        }
        let scale = zip(alpha, [0] + beta).map { abs($0) + $1 }.max()! + b
        if basis.count == op.dimension {
            residualNorm = b
            exhausted = true
        } else if b <= Self.breakdownTolerance * scale {
            residualNorm = 0
            if restartOnBreakdown, let fresh = freshDirection() {
                beta.append(0)
                restarts.append(j + 1)
                next = fresh
            } else {
                exhausted = true
            }
        } else {
            residualNorm = b
            for t in 0..<work.count { next[t] = work[t] / b }
            if reorthogonalization == .partial { estimate.advance(to: omega ?? estimate.reset(count: j + 2)) }
            // β_j joins T when the next step is taken; until then it is the residual norm.
            beta.append(b)
        }
        return true
    }

    /// A seeded random unit vector orthogonal to the basis, or nil if none is left numerically:
    /// a Gaussian vector has norm about √n, and when no more than 1e-8 of it survives two projections
    /// the basis spans ℝⁿ to working precision (what survives is round-off of the projections).
    private mutating func freshDirection() -> [Double]? {
        let survivalTolerance = 1e-8, attempts = 3
        for _ in 0..<attempts {
            var r = (0..<op.dimension).map { _ in rng.normal() }
            basis.orthogonalize(&r)
            basis.orthogonalize(&r)
            let n = r.withUnsafeBufferPointer { BLAS.norm($0) }
            if n > survivalTolerance * Double(op.dimension).squareRoot() { return r.map { $0 / n } }
        }
        return nil
    }

    private func dot(_ x: [Double], _ y: [Double]) -> Double {
        x.withUnsafeBufferPointer { x in y.withUnsafeBufferPointer { BLAS.dot(x, $0) } }
    }

    /// How far the basis is from orthonormal, measured: the largest |(Q_kᵀ Q_k − I)_ij| (round-off with
    /// `.full`, at most about √ε with `.partial`). For tests and checks: it reads the whole basis.
    /// - Complexity: O(k² n).
    public var orthogonalityLoss: Double { basis.orthogonalityLoss() }

    /// The tridiagonal's off-diagonal for the steps taken (β₁ … β_{j−1}).
    var offDiagonal: [Double] { Array(beta.prefix(max(alpha.count - 1, 0))) }

    /// The Ritz pairs of the run so far.
    public func ritz() -> RitzPairs {
        let k = alpha.count
        guard let (values, vectors) = SymmetricEigen.tridiagonal(diagonal: alpha, offDiagonal: offDiagonal) else {
            preconditionFailure("LAPACK dstev failed on a finite tridiagonal")
        }
        let first = (0..<k).map { vectors[$0] }
        let last = (0..<k).map { vectors[(k - 1) * k + $0] }
        return RitzPairs(values: values, coefficients: vectors, firstComponents: first,
                         residuals: last.map { abs($0) * residualNorm })
    }

    /// The Ritz vector Q_k s_j of Ritz pair j.
    public func ritzVector(_ pairs: RitzPairs, _ j: Int) -> [Double] {
        let k = alpha.count
        return basis.combine((0..<k).map { pairs.coefficients[$0 * k + j] })
    }
}

/// Eigenpairs (θ_j, s_j) of T_k, ascending, with what they say about H: the Ritz values θ_j,
/// residual norms ‖H y_j − θ_j y_j‖ = β_k |e_kᵀ s_j| (each interval [θ_j ± that] holds an
/// eigenvalue of H), and the first components e₁ᵀ s_j (Gauss quadrature weights are their squares).
public struct RitzPairs: Sendable {
    public var values: [Double]
    /// Eigenvectors of T_k, column j of a row-major (k, k).
    public var coefficients: [Double]
    public var firstComponents: [Double]
    public var residuals: [Double]
}
