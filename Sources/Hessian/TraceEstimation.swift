import Foundation
import LinearAlgebra

/// A stochastic estimate with its standard error.
public struct Estimate: Sendable {
    public var value: Double
    /// The sample standard deviation of the averaged terms over √(terms): an estimate of the
    /// estimator's standard deviation.
    public var standardError: Double
    public var applications: Int

    public init(value: Double, standardError: Double, applications: Int) {
        (self.value, self.standardError, self.applications) = (value, standardError, applications)
    }
}

public enum TraceEstimation {
    /// Seeded Rademacher vectors (±1 entries).
    static func rademacher(_ n: Int, _ rng: inout SeededGenerator) -> [Double] {
        (0..<n).map { _ in rng.next() & 1 == 0 ? -1 : 1 }
    }

    static func meanAndError(_ samples: [Double]) -> (Double, Double) {
        let m = Double(samples.count)
        let mean = samples.reduce(0, +) / m
        guard samples.count > 1 else { return (mean, .infinity) }
        let variance = samples.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / (m - 1)
        return (mean, (variance / m).squareRoot())
    }

    /// Hutchinson's estimator tr(H) ≈ (1/m) Σᵢ zᵢᵀ H zᵢ with seeded Rademacher zᵢ: unbiased, with
    /// variance 2 Σ_{i≠j} H_ij² / m.
    /// - Complexity: m applications.
    public static func hutchinson<Operator: SymmetricOperator>(_ op: Operator, probes m: Int, seed: UInt64) -> Estimate {
        precondition(m >= 1)
        var rng = SeededGenerator(seed: seed)
        let samples = (0..<m).map { _ -> Double in
            let z = rademacher(op.dimension, &rng)
            return zip(z, op.apply(z)).reduce(0) { $0 + $1.0 * $1.1 }
        }
        let (value, error) = meanAndError(samples)
        return Estimate(value: value, standardError: error, applications: m)
    }

    /// Hutch++ (Meyer, Musco, Musco & Woodruff 2021): with s = m/3, Q = orth(H S) for a Rademacher
    /// (n, s) sketch S, tr(H) ≈ tr(Qᵀ H Q) + (1/s) Σᵢ gᵢᵀ (I − QQᵀ) H (I − QQᵀ) gᵢ. The first term is
    /// exact on the dominant range of H, so the Hutchinson part only sees the deflated remainder:
    /// unbiased, with error O(1/m) instead of O(1/√m) for matrices with decaying spectra.
    /// - Complexity: m applications (3s), O(n s²) for the QR.
    public static func hutchPlusPlus<Operator: SymmetricOperator>(_ op: Operator, applications m: Int, seed: UInt64) -> Estimate {
        let s = max(1, m / 3)
        let n = op.dimension
        precondition(s <= n, "Hutch++ needs at most 3n applications")
        var rng = SeededGenerator(seed: seed)
        var sketch = [Double](repeating: 0, count: n * s)  // H S, row-major (n, s)
        for j in 0..<s {
            let hs = op.apply(rademacher(n, &rng))
            for i in 0..<n { sketch[i * s + j] = hs[i] }
        }
        guard let q = orthonormalColumns(sketch, rows: n, columns: s) else {
            preconditionFailure("Householder QR reported failure on a sketch of H")
        }
        func column(_ j: Int) -> [Double] { (0..<n).map { q[$0 * s + j] } }
        func deflate(_ x: [Double]) -> [Double] {
            var y = x
            for j in 0..<s {
                var c = 0.0
                for i in 0..<n { c += q[i * s + j] * x[i] }
                for i in 0..<n { y[i] -= c * q[i * s + j] }
            }
            return y
        }
        var exact = 0.0
        for j in 0..<s {
            let u = column(j)
            exact += zip(u, op.apply(u)).reduce(0) { $0 + $1.0 * $1.1 }
        }
        let samples = (0..<s).map { _ -> Double in
            let g = deflate(rademacher(n, &rng))
            return zip(g, op.apply(g)).reduce(0) { $0 + $1.0 * $1.1 }
        }
        let (rest, error) = meanAndError(samples)
        return Estimate(value: exact + rest, standardError: error, applications: 3 * s)
    }

    /// tr(H) within a budget of `m` applications: exactly, as Σⱼ eⱼᵀ H eⱼ, when the dimension is at most
    /// m (standard error 0), else by Hutch++ with m applications.
    /// - Complexity: min(n, m) applications.
    public static func trace<Operator: SymmetricOperator>(_ op: Operator, budget m: Int, seed: UInt64) -> Estimate {
        let n = op.dimension
        guard n > m else {
            var e = [Double](repeating: 0, count: n), sum = 0.0
            for j in 0..<n {
                e[j] = 1
                sum += op.apply(e)[j]
                e[j] = 0
            }
            return Estimate(value: sum, standardError: 0, applications: n)
        }
        return hutchPlusPlus(op, applications: m, seed: seed)
    }
}
