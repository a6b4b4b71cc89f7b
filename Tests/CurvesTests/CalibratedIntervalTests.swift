import Curves
import Foundation
import LinearAlgebra
import TestSupport
import Testing

/// Issue 23, acceptance 2: on the Rectified Scaling Law benchmark, each data set scored with lensllm's
/// intervals calibrated on the other data set alone (never on itself), the nominal 90% intervals hold the
/// true target loss for 85-95% of the models averaged over the budgets, and for at least 75% at every budget.
@Suite(.enabled(if: Paths.hasBenchmark, "../shared/benchmarks/rectified-scaling-law is absent"))
struct CalibratedIntervalTests {
    @Test func intervalsCalibratedOnTheOtherDataSetHoldOnEach() throws {
        let entries = try BenchmarkProtocol().run(directory: Paths.benchmark, methods: [.lensllm])
        for dataset in ["flan", "gigaword"] {
            let rows = entries.filter { $0.dataset == dataset }
            #expect(rows.count == 7)
            let coverage = try rows.map { e -> Double in
                let c = try #require(e.selection.calibration, "\(dataset): no intervals")
                #expect(c.references == [dataset == "flan" ? "gigaword" : "flan"], "calibrated on itself")
                let held = zip(c.intervals, e.truth).filter { $0.0?.contains($0.1) == true }.count
                return Double(held) / Double(e.truth.count)
            }
            let average = coverage.reduce(0, +) / Double(coverage.count)
            #expect((0.85...0.95).contains(average) && coverage.allSatisfy { $0 >= 0.75 }, "\(dataset): coverage per budget \(coverage)")
        }
    }

    /// The scores come from the reference's own points: for a ratio of 8, every reference budget b′ with
    /// three or more points whose size 8 b′ is measured, each curve's loss there predicted from the curve
    /// up to b′.
    @Test func referenceScoresComeFromEveryBudgetAtTheMatchedRatio() throws {
        let gigaword = try CurveFile.read(path: "\(Paths.benchmark)/gigaword.csv").curves
        let calibration = ExtrapolationCalibration(references: [.init(name: "gigaword", curves: gigaword)])
        let scores = try #require(try calibration.scores(ratio: 8))
        #expect(scores.ratio == 8)
        // Sizes 200 .. 1,638,400: budgets 800 .. 204,800 have three points and a size 8x larger.
        let budgets = SyntheticCurves.benchmarkSizes.filter { $0 >= 800 && 8 * $0 <= 1_638_400 }
        // At most one score per curve and budget (none for a curve without a measurable bend), and more than a
        // budget's worth: the pool spans budgets.
        #expect(scores.values.count <= budgets.count * gigaword.count && scores.values.count > gigaword.count)
        #expect(scores.values == scores.values.sorted())
        // A ratio between grid ratios takes the nearest in log; one beyond every reference ratio by more than
        // √2 has none (Gigaword's largest is 1,638,400 / 800 = 2048).
        #expect(try calibration.scores(ratio: 9)?.ratio == 8)
        #expect(try calibration.scores(ratio: 2048 * 1.5) == nil && (try calibration.scores(ratio: 2048 * 1.4))?.ratio == 2048)
        // The conformal rank ⌈(n + 1) 0.9⌉: the 18th of 19 scores; of 3, none exists.
        #expect(ExtrapolationCalibration.Scores(ratio: 8, values: (1...19).map(Double.init).reversed()).quantile(level: 0.9) == 18)
        #expect(ExtrapolationCalibration.Scores(ratio: 8, values: [1, 2, 3]).quantile(level: 0.9) == nil)
    }

    /// `lens select` calibrates on the built-in references, leaving out one that holds the scored curves.
    @Test func builtInReferencesLeaveOutTheScoredDataSet() throws {
        let flan = try CurveFile.read(path: "\(Paths.benchmark)/flan.csv").curves
        let (calibration, leftOut) = ExtrapolationCalibration.builtIn(scoredCurves: flan)
        #expect(leftOut == ["flan"] && calibration?.references.map(\.name) == ["gigaword"])
        let (all, none) = ExtrapolationCalibration.builtIn(scoredCurves: [LossCurve(model: "x", sizes: [1, 2, 4], losses: [3, 2, 1])])
        #expect(none.isEmpty && all?.references.map(\.name) == ["flan", "gigaword"])
        // A copy rounded to four figures is still FLAN; a model of the same name measured at other sizes is not.
        let rounded = flan.map { curve in
            var c = curve
            c.losses = c.losses.map { Double(String(format: "%.4g", $0))! }
            return c
        }
        #expect(ExtrapolationCalibration.builtIn(scoredCurves: rounded).leftOut == ["flan"])
        let elsewhere = LossCurve(model: flan[0].model, sizes: [1, 2, 4], losses: [3, 2, 1])
        #expect(ExtrapolationCalibration.builtIn(scoredCurves: [elsewhere]).leftOut.isEmpty)
    }
}
