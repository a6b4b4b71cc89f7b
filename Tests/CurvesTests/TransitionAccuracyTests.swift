import Curves
import Foundation
import Testing

/// Issue 10, acceptance 4: each transition method against curves whose transition is known.
struct TransitionAccuracyTests {
    /// 160 curves of the demo's family (LensLLM's law, 0.5% noise), the truth at D^β = F.
    static let lensFamily: [(truth: Double, curve: LossCurve)] = (1...20 as ClosedRange<UInt64>).flatMap { seed in
        SyntheticCurves.candidateLaws(count: 8, seed: seed).compactMap { pair in pair.law.crossover.map { ($0, pair.curve) } }
    }
    /// 160 two-regime curves (0.5% noise), the truth at the break.
    static let twoRegimeFamily = (1...20 as ClosedRange<UInt64>).flatMap { SyntheticCurves.twoRegimeFamily(count: 8, seed: $0) }

    static func row(_ rows: [TransitionAccuracy], _ method: TransitionMethod) -> TransitionAccuracy {
        rows.first { $0.method == method }!
    }

    @Test func everyLawHasACrossoverInsideTheBenchmarkSizes() {
        #expect(Self.lensFamily.count == 160)
        #expect(Self.lensFamily.allSatisfy { (1000...21_000).contains($0.truth) })
    }

    /// The law's crossover is read within 10% (median) and its 95% delta-method interval holds the truth
    /// in 88-100% of curves: with 160 curves the binomial standard deviation of a true 95% is 1.7 points,
    /// so 88% is four deviations below.
    @Test func lawMethodLocatesTheCrossoverAndItsIntervalCoversIt() throws {
        let law = Self.row(TransitionAccuracy.measure(Self.lensFamily), .law)
        #expect(law.located == 160 && law.failures == 0)
        let median = try #require(law.medianLogError), coverage = try #require(law.coverage)
        #expect(median < log(1.1), "median |log error| \(median)")
        #expect(coverage >= 0.88, "coverage \(coverage)")
    }

    /// The finding the demo's page states: on curves with a floor, Algorithm 1 and the two-regime law
    /// are off by more than a factor of 2 (median), each several times worse than the law method.
    @Test func residualAndBrokenMissTheCrossoverOfALawWithAFloor() throws {
        let rows = TransitionAccuracy.measure(Self.lensFamily)
        let law = try #require(Self.row(rows, .law).medianLogError)
        for method in [TransitionMethod.residual, .broken] {
            let median = try #require(Self.row(rows, method).medianLogError)
            #expect(median > log(2) && median > 5 * law, "\(method.rawValue): median |log error| \(median)")
        }
    }

    /// On curves that do have a break, the two-regime law finds it within 10% (median); its profile
    /// interval is asymptotic for a non-regular parameter and measured to hold the break in about 82% of
    /// curves (nominal 95%), so the test asks for 70%.
    @Test func brokenMethodLocatesTheBreakOfTwoRegimeCurves() throws {
        let broken = Self.row(TransitionAccuracy.measure(Self.twoRegimeFamily), .broken)
        #expect(broken.located == 160 && broken.failures == 0)
        let median = try #require(broken.medianLogError), coverage = try #require(broken.coverage)
        #expect(median < log(1.1), "median |log error| \(median)")
        #expect(coverage >= 0.7, "coverage \(coverage)")
    }
}
