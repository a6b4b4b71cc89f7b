import Foundation

/// Simon's running estimate of how far a Lanczos basis has drifted from orthogonality, without reading
/// the basis: ω_{j,k} ≈ q_jᵀ q_k from the tridiagonal alone (H. D. Simon, "The Lanczos algorithm with
/// partial reorthogonalization", Math. Comp. 42 (1984) 115–142, eq. (3.3)).
///
/// With β_j q_{j+1} = H q_j − α_j q_j − β_{j−1} q_{j−1} + f_j (f_j the step's round-off), taking q_kᵀ and
/// using q_kᵀ H q_j = q_jᵀ H q_k for the recurrence at step k,
///
///     β_j ω_{j+1,k} = β_k ω_{j,k+1} + (α_k − α_j) ω_{j,k} + β_{k−1} ω_{j,k−1} − β_{j−1} ω_{j−1,k} + θ_{j,k},
///
/// ω_{j,j} = 1 and ω_{j+1,j} = ψ_{j+1}. The round-off terms are not known, only their size: θ_{j,k} is
/// taken as ε (β_k + β_j) with the sign that makes |ω_{j+1,k}| larger, and ψ_{j+1} = ε √n ‖T_j‖ / β_j
/// (a dot product of length n rounds by ε √n relative), so that the estimate leans to the pessimistic side
/// (as Larsen's PROPACK does) and needs no random numbers: the same run gives the same decisions.
/// - Complexity: O(j) per step, no access to the basis.
struct OrthogonalityEstimate {
    let dimension: Int
    /// ω_{j−1,0} … ω_{j−1,j−1} (the last is 1).
    private var previous: [Double] = []
    /// ω_{j,0} … ω_{j,j} (the last is 1).
    private var current: [Double] = [1]

    init(dimension: Int) { self.dimension = dimension }

    /// The round-off of a vector orthogonalised against the basis by Gram–Schmidt, as an estimate of its
    /// products with the basis vectors: a dot product of length n rounds by about ε √n.
    var roundOff: Double { Double.ulpOfOne * Double(dimension).squareRoot() }

    /// The estimates for q_{j+1} against q_0 … q_j, given T_j's entries up to α_j, β_{j−1} and the norm
    /// `nextBeta` (β_j) of the step's residual; `largest` is the largest |ω_{j+1,k}| for k < j (the
    /// neighbour q_j is kept orthogonal by the step itself).
    /// - Precondition: `alpha.count == beta.count + 1 == ` the estimates' j + 1, and `nextBeta > 0`.
    func next(alpha: [Double], beta: [Double], nextBeta: Double) -> (omega: [Double], largest: Double) {
        let j = alpha.count - 1
        precondition(beta.count == j && current.count == j + 1 && nextBeta > 0)
        let eps = Double.ulpOfOne
        let tNorm = zip(alpha, [0] + beta).map { abs($0) + 2 * $1 }.max() ?? 0
        var omega = [Double](repeating: 0, count: j + 2)
        var largest = 0.0
        for k in 0..<j {
            var value = beta[k] * current[k + 1] + (alpha[k] - alpha[j]) * current[k]
            if k > 0 { value += beta[k - 1] * current[k - 1] }
            if j > 0 { value -= beta[j - 1] * previous[k] }
            let theta = eps * (beta[k] + nextBeta)
            value += value < 0 ? -theta : theta
            omega[k] = value / nextBeta
            largest = max(largest, abs(omega[k]))
        }
        omega[j] = roundOff * tNorm / nextBeta
        omega[j + 1] = 1
        return (omega, largest)
    }

    /// Moves on to q_{j+1} with its estimates (as `next` gave them, or `reset` after a reorthogonalisation).
    mutating func advance(to omega: [Double]) {
        precondition(omega.count == current.count + 1)
        previous = current
        current = omega
    }

    /// The estimates of q_{j+1} once Gram–Schmidt has orthogonalised it against q_0 … q_j: round-off.
    func reset(count: Int) -> [Double] {
        var omega = [Double](repeating: roundOff, count: count)
        omega[count - 1] = 1
        return omega
    }
}
