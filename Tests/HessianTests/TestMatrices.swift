import Foundation
import Hessian
import LinearAlgebra

/// Seeded symmetric test matrices with known structure, as dense operators with their dense
/// LAPACK (`dsyevr`) spectrum as the reference.
enum TestMatrices {
    /// Q diag(λ) Qᵀ with Q a product of `reflections` seeded Householder reflections I − 2uuᵀ:
    /// a dense symmetric matrix with exactly the spectrum λ (to round-off) in O(r n²).
    static func withSpectrum(_ lambda: [Double], seed: UInt64, reflections: Int = 4) -> DenseSymmetricOperator {
        let n = lambda.count
        var rng = SeededGenerator(seed: seed)
        var a = [Double](repeating: 0, count: n * n)
        for i in 0..<n { a[i * n + i] = lambda[i] }
        for _ in 0..<reflections {
            var u = (0..<n).map { _ in rng.normal() }
            let norm = u.reduce(0) { $0 + $1 * $1 }.squareRoot()
            u = u.map { $0 / norm }
            // H A H = A − 2 u wᵀ − 2 w uᵀ + 4 (uᵀw) u uᵀ with w = A u.
            var w = [Double](repeating: 0, count: n)
            for r in 0..<n { var s = 0.0; for c in 0..<n { s += a[r * n + c] * u[c] }; w[r] = s }
            let uw = zip(u, w).reduce(0) { $0 + $1.0 * $1.1 }
            for r in 0..<n {
                let ur = u[r], wr = w[r]
                for c in 0..<n { a[r * n + c] += -2 * ur * w[c] - 2 * wr * u[c] + 4 * uw * ur * u[c] }
            }
        }
        for r in 0..<n { for c in 0..<r { let m = (a[r * n + c] + a[c * n + r]) / 2; a[r * n + c] = m; a[c * n + r] = m } }
        return DenseSymmetricOperator(a, dimension: n)
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
