import Foundation
import Testing
@testable import Theory

/// Theorem 2's expression for the clipped loss min(ℓ, C) (Assumption 2 needs a bounded loss).
struct GeneralizationBoundTests {
    // A sample whose loss exceeds C counts as C in L and L̂, the clipped fractions count it, and the margin
    // at another C re-clips the per-sample losses there: at C' = 10 nothing is clipped.
    @Test func lossesAboveCCountAsCAndTheMarginReclipsThem() {
        let train = [0.5, 7.0], test = [1.0, 3.0, 9.0], c = 4.0
        #expect(GeneralizationBound.clippedMean(train, at: c) == (0.5 + 4) / 2)
        #expect(GeneralizationBound.clippedMean(test, at: c) == (1 + 3 + 4) / 3.0)
        var bound = CorollaryOneTests.checkpoint(n: 4, h: [0.25], traces: [1], trainLoss: 2.25, testLoss: 8 / 3.0, c: c).bound
        (bound.trainLosses, bound.testLosses) = (train, test)
        #expect(bound.clippedFraction == (0.5, 1 / 3.0))
        #expect(bound.rawLosses == (3.75, 13 / 3.0))
        let want = 1.1 * 3.75 + 1.1 * 10.0.squareRoot() * 0.5 / 2 - 13 / 3.0
        #expect(abs(bound.margin(lossBound: 10, epsilon: 0.1) - want) < 1e-12)
        // At C itself the margin is the certified bound minus L.
        #expect(abs(bound.margin(lossBound: c, epsilon: 0.1) - (bound.certified.bound - bound.testLoss)) < 1e-12)
    }
}
