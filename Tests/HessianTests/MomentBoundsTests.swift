import Foundation
@testable import Hessian
import LinearAlgebra
import Testing

/// The Chebyshev–Markov–Stieltjes bounds of `MomentBounds` against measures where they are attained.
struct MomentBoundsTests {
    // A measure of k + 1 points is the Gauss–Radau rule of its own first k Lanczos steps through either
    // end point (that rule is unique and exact to degree 2k), so the bounds at the extreme eigenvalues are
    // attained there: U(λ_min) = w_min and L(λ_max) = 1 − w_max exactly. The O(k) path beyond the Ritz
    // values must give those, and so must the general one (an eigenproblem of the extended tridiagonal)
    // where it keeps the point. 60 seeded diagonal spectra, k = 1 … 6; the tolerance is round-off in
    // the k-step recurrence.
    @Test func boundsBeyondTheRitzValuesAreAttainedByTheRadauMeasure() {
        var misses: [String] = []
        for seed in 1...60 as ClosedRange<UInt64> {
            var rng = SeededGenerator(seed: seed &* 31)
            let k = 1 + Int(seed % 6)
            let lambda = (0...k).map { _ in 3 * rng.normal() }
            let v = (0...k).map { _ in 0.2 + rng.uniform() }
            let op = DenseSymmetricOperator(spectrum: lambda, seed: seed, reflections: 0)
            var lanczos = LanczosProcess(op, start: v, capacity: k)
            while lanczos.steps < k, lanczos.step() {}
            guard lanczos.beta.count == k, let (nodes, weights) = SymmetricEigen.gaussRule(diagonal: lanczos.alpha, offDiagonal: lanczos.offDiagonal) else {
                misses.append("seed \(seed): the run ended early"); continue
            }
            let bounds = MomentBounds(alpha: lanczos.alpha, beta: lanczos.beta, ritz: nodes, ritzWeights: weights)
            let norm2 = v.reduce(0) { $0 + $1 * $1 }
            let top = lambda.indices.max { lambda[$0] < lambda[$1] }!, bottom = lambda.indices.min { lambda[$0] < lambda[$1] }!
            let (wTop, wBottom) = (v[top] * v[top] / norm2, v[bottom] * v[bottom] / norm2)
            for (name, e) in [("outside", bounds.evaluateOutside(lambda[top])), ("general", bounds.evaluate(lambda[top]))] where e.point == lambda[top] {
                if abs(e.below - (1 - wTop)) > 1e-9 || abs(e.atOrBelow - 1) > 1e-9 { misses.append("seed \(seed) \(name) at the top: L \(e.below) against \(1 - wTop)") }
            }
            for (name, e) in [("outside", bounds.evaluateOutside(lambda[bottom])), ("general", bounds.evaluate(lambda[bottom]))] where e.point == lambda[bottom] {
                if abs(e.atOrBelow - wBottom) > 1e-9 || abs(e.below) > 1e-9 { misses.append("seed \(seed) \(name) at the bottom: U \(e.atOrBelow) against \(wBottom)") }
            }
        }
        #expect(misses.isEmpty, "\(misses.count) misses: \(misses.prefix(3))")
    }
}
