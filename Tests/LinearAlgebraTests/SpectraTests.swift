import Foundation
import LinearAlgebra
import Testing

struct SpectraTests {
    /// dgesdd's singular values are the square roots of the eigenvalues of AᵀA (dsyevr), to round-off
    /// of the larger values: both are backward stable, and σ² = λ loses nothing for well-scaled A.
    @Test func singularValuesAreRootsOfTheGramEigenvalues() throws {
        var rng = SeededGenerator(seed: 11)
        for (m, n) in [(7, 4), (4, 7), (5, 5), (1, 3)] {
            let a = (0..<(m * n)).map { _ in rng.normal() }
            let s = try #require(SingularValues.of(a, rows: m, columns: n))
            #expect(s.count == min(m, n))
            #expect(zip(s, s.dropFirst()).allSatisfy { $0 >= $1 })
            // The Gram matrix of the shorter side: its eigenvalues are σ².
            let (rows, inner, transposed) = m <= n ? (m, n, false) : (n, m, true)
            var gram = [Double](repeating: 0, count: rows * rows)
            for i in 0..<rows { for j in 0..<rows { for k in 0..<inner {
                gram[i * rows + j] += transposed ? a[k * n + i] * a[k * n + j] : a[i * n + k] * a[j * n + k]
            } } }
            let values = try #require(SymmetricEigen.dense(gram, n: rows)).values.reversed().map { $0.squareRoot() }
            for (x, y) in zip(s, values) { #expect(abs(x - y) <= 1e-12 * s[0]) }
        }
        #expect(SingularValues.of([1, .nan, 2, 3], rows: 2, columns: 2) == nil)
    }

    /// On seeded Pareto samples (x_min = 1) the maximum-likelihood α lies within four standard errors of
    /// the truth in every case, and the cutoff the KS criterion picks is near 1 (the whole sample is the
    /// tail); a sample with a uniform body below a Pareto tail gets its cutoff at the start of the tail.
    @Test func powerLawTailRecoversParetoExponents() throws {
        for (seed, alpha) in [(UInt64(1), 2.0), (2, 3.0), (3, 4.5)] {
            var rng = SeededGenerator(seed: seed)
            let samples = (0..<1_000).map { _ in pow(1 - rng.uniform(), -1 / (alpha - 1)) }
            let fit = try #require(PowerLawTail.fit(samples))
            #expect(abs(fit.alpha - alpha) <= 4 * fit.standardError, "alpha \(fit.alpha) for \(alpha)")
            #expect(fit.lowerCutoff < 1.5)
        }
        var rng = SeededGenerator(seed: 4)
        let body = (0..<500).map { _ in 0.5 + 4.5 * rng.uniform() }
        let tail = (0..<500).map { _ in 5 * pow(1 - rng.uniform(), -1 / 2.0) }
        let fit = try #require(PowerLawTail.fit(body + tail))
        #expect(fit.lowerCutoff >= 4 && fit.lowerCutoff <= 7, "cutoff \(fit.lowerCutoff)")
        #expect(abs(fit.alpha - 3) <= 4 * fit.standardError, "alpha \(fit.alpha)")
        #expect(PowerLawTail.fit([1, 2, 3]) == nil)
        #expect(PowerLawTail.fit([2, 2, 2, 2, 2, 2]) == nil)
    }
}
