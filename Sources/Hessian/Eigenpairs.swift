import Foundation
import LinearAlgebra

/// Which end of the spectrum.
public enum SpectrumEnd: Sendable {
    case largest
    case smallest
}

/// Eigenpairs of a symmetric operator with the evidence for them.
public struct Eigenpairs: Sendable {
    /// Eigenvalue estimates, from the requested end inwards.
    public var values: [Double]
    /// Unit eigenvector estimates, in the same order.
    public var vectors: [[Double]]
    /// ‖H y − θ y‖ for each pair: an eigenvalue of H lies within this of each value.
    public var residuals: [Double]
    public var applications: Int
    public var converged: Bool
}

public enum ExtremeEigenpairs {
    /// The `count` algebraically largest (or smallest) eigenpairs by Lanczos with full
    /// reorthogonalisation from a seeded random start, restarting on breakdown, stopping when every
    /// wanted Ritz residual is at most `tolerance` · max(|θ|, ‖T‖ ε) or after `maxSteps` steps.
    ///
    /// Residuals certify the values: for symmetric H each interval [θ − ρ, θ + ρ] contains an
    /// eigenvalue (and with a gap δ to the rest of the spectrum, |θ − λ| ≤ ρ² / δ).
    /// - Complexity: one application per step, O(k² n) reorthogonalisation, Ritz checks O(k³) every
    ///   `checkEvery` steps; memory k n entries.
    public static func compute<Operator: SymmetricOperator>(
        _ op: Operator, count: Int, end: SpectrumEnd = .largest, tolerance: Double = 1e-10,
        maxSteps: Int? = nil, seed: UInt64 = 1, precision: BasisPrecision = .double, checkEvery: Int = 1
    ) -> Eigenpairs {
        let n = op.dimension
        precondition(count >= 1 && count <= n)
        var rng = SeededGenerator(seed: seed)
        let start = (0..<n).map { _ in rng.normal() }
        let limit = min(maxSteps ?? n, n)
        // The basis grows as needed; reserving up to 256 rows up front saves the first regrowths.
        let reserved = 256
        var lanczos = LanczosProcess(op, start: start, precision: precision, capacity: min(limit, reserved),
                                     restartOnBreakdown: true, seed: seed &+ 1)
        var converged = false
        while lanczos.steps < limit, lanczos.step() {
            guard lanczos.steps >= count, lanczos.steps % checkEvery == 0 || lanczos.steps == limit || lanczos.exhausted else { continue }
            let pairs = lanczos.ritz()
            let wanted = indices(pairs, count: count, end: end)
            let scale = pairs.values.map(abs).max() ?? 0
            converged = wanted.allSatisfy { pairs.residuals[$0] <= tolerance * max(abs(pairs.values[$0]), scale * .ulpOfOne) }
            if converged { break }
        }
        let pairs = lanczos.ritz()
        let wanted = indices(pairs, count: min(count, pairs.values.count), end: end)
        return Eigenpairs(values: wanted.map { pairs.values[$0] },
                          vectors: wanted.map { lanczos.ritzVector(pairs, $0) },
                          residuals: wanted.map { pairs.residuals[$0] },
                          applications: lanczos.applications, converged: converged)
    }

    private static func indices(_ pairs: RitzPairs, count: Int, end: SpectrumEnd) -> [Int] {
        let k = pairs.values.count
        return end == .largest ? Array((k - count..<k).reversed()) : Array(0..<count)
    }
}

/// PyHessian's power iteration (Yao et al. 2020, `hessian.eigenvalues`), kept as the baseline the
/// benchmarks compare Lanczos against: a seeded random normal start, normalised; then repeatedly
/// deflate against the eigenvectors already found, λ ← vᵀHv, v ← Hv / ‖Hv‖, until the relative change
/// |λ − λ_prev| / (|λ_prev| + 1e-6) < tol or `maxIterations`. It finds the eigenvalues of largest
/// magnitude, not the algebraically largest.
/// - Complexity: one application per iteration.
public enum PowerIteration {
    public static func compute<Operator: SymmetricOperator>(
        _ op: Operator, count: Int = 1, maxIterations: Int = 100, tolerance: Double = 1e-3, seed: UInt64 = 1,
        onIteration: ((_ eigenvalue: Double) -> Bool)? = nil
    ) -> Eigenpairs {
        let n = op.dimension
        var rng = SeededGenerator(seed: seed)
        var values: [Double] = [], vectors: [[Double]] = [], residuals: [Double] = []
        var applications = 0
        var allConverged = true
        for _ in 0..<count {
            var v = normalized((0..<n).map { _ in rng.normal() })
            var eigenvalue: Double?
            var converged = false
            var hv = [Double](repeating: 0, count: n)
            for _ in 0..<maxIterations {
                for u in vectors {
                    let c = zip(u, v).reduce(0) { $0 + $1.0 * $1.1 }
                    for t in 0..<n { v[t] -= c * u[t] }
                }
                v = normalized(v)
                hv = op.apply(v)
                applications += 1
                let current = zip(hv, v).reduce(0) { $0 + $1.0 * $1.1 }
                v = normalized(hv)
                if onIteration?(current) == true { eigenvalue = current; converged = true; break }
                if let previous = eigenvalue, abs(previous - current) / (abs(previous) + 1e-6) < tolerance {
                    eigenvalue = current
                    converged = true
                    break
                }
                eigenvalue = current
            }
            allConverged = allConverged && converged
            let lambda = eigenvalue ?? 0
            let hvNew = op.apply(v)
            residuals.append(zip(hvNew, v).reduce(0) { $0 + pow($1.0 - lambda * $1.1, 2) }.squareRoot())
            values.append(lambda)
            vectors.append(v)
        }
        return Eigenpairs(values: values, vectors: vectors, residuals: residuals, applications: applications,
                          converged: allConverged)
    }

    private static func normalized(_ v: [Double]) -> [Double] {
        let n = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
        return n > 0 ? v.map { $0 / n } : v
    }
}
