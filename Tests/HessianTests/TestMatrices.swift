import Foundation
import Hessian
import LinearAlgebra

/// Seeded symmetric test matrices with known structure, as dense operators with their dense
/// LAPACK (`dsyevr`) spectrum as the reference.
enum TestMatrices {
    static func withSpectrum(_ lambda: [Double], seed: UInt64, reflections: Int = 4) -> DenseSymmetricOperator {
        DenseSymmetricOperator(spectrum: lambda, seed: seed, reflections: reflections)
    }

    /// X Xᵀ / m for a Gaussian (n, m) X: a Wishart matrix (rank-deficient when m < n).
    static func wishart(n: Int, m: Int, seed: UInt64) -> DenseSymmetricOperator {
        var rng = SeededGenerator(seed: seed)
        let x = (0..<(n * m)).map { _ in rng.normal() }
        var a = [Double](repeating: 0, count: n * n)
        for r in 0..<n { for c in r..<n {
            var s = 0.0
            for t in 0..<m { s += x[r * m + t] * x[c * m + t] }
            a[r * n + c] = s / Double(m); a[c * n + r] = s / Double(m)
        } }
        return DenseSymmetricOperator(a, dimension: n)
    }

    static func denseSpectrum(_ op: DenseSymmetricOperator) -> [Double] {
        SymmetricEigen.dense(op.entries, n: op.dimension)!.values
    }
}
