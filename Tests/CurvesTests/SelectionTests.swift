import Curves
import Foundation
import LinearAlgebra
import Testing

/// The pieces of the selection protocol, against hand-computed values.
struct SelectionTests {
    @Test func averageRanksMatchPandasOnTies() {
        #expect(averageRanks([3, 1, 2, 1], ascending: true) == [4, 1.5, 3, 1.5])
        #expect(averageRanks([3, 1, 2, 1], ascending: false) == [1, 3.5, 2, 3.5])
        #expect(bestIndex([2, 1.5, 3, 1.5]) == 1)
    }

    @Test func relativeAccuracyAndPearsonFollowTheirDefinitions() {
        let truth = [1.0, 2.0, 4.0]
        let m = SelectionMetrics(scores: [1.1, 2.2, 3.9], ranks: [2, 1, 3], trueLosses: truth)
        #expect(m.selected == 1)
        #expect(abs(m.relativeAccuracy - 100 * (4 - 2) / (4 - 1)) < 1e-12)
        #expect(m.pearson > 99)
    }

    // Issue 19, class 2: identical flat curves (every fit exact, held-back errors 0) select without a
    // trap; the tie is not shown as certainty; one model has no correlation, not a trap.
    @Test func identicalFlatCurvesSelectAsATieWithoutTrapping() throws {
        let sizes = (0..<7).map { 200 * pow(2, Double($0)) }
        let curves = ["a", "b", "c"].map { LossCurve(model: $0, sizes: sizes, losses: sizes.map { _ in 2 }) }
        let calibration = try #require(ExtrapolationCalibration.builtIn(scoredCurves: curves).calibration)
        let selection = try SelectionMethod.lensllm.select(curves, settings: SelectionSettings(budget: 12_800, target: 102_400, calibration: calibration))
        let result = try #require(selection.lensllm)
        #expect(result.predictions.allSatisfy { abs($0 - 2) < 1e-9 })
        // No bend, so no unit to scale an error by: no intervals, and no odds rather than false certainty.
        #expect(selection.hasIntervals && selection.candidates.allSatisfy { $0.interval == nil && $0.probabilityBest == nil })
        let weights = try #require(result.validation).likelihoodWeights
        #expect(abs(weights.values.reduce(0, +) - 1) < 1e-12)
        #expect(Statistics.pearson([1], [2]).isNaN)
    }

    // Issue 23, acceptance 3: four candidates with two power-phase points each have 8 points for the
    // shared-exponent fit's 9 parameters (and the one residual the rule asks for). lensllm degrades to the
    // shrunk lines, which need 8, says so, and selects: each curve's own line (exact, nothing to shrink).
    @Test func fourCandidatesWithTwoPowerPhasePointsEachSelectWithAStatedFallback() throws {
        let exponents = [0.10, 0.16, 0.12, 0.14], starts = [3.0, 3.1, 2.9, 3.2]
        let curves = (0..<4).map { m in
            LossCurve(model: "m\(m)", sizes: [200, 400], losses: [starts[m], starts[m] * pow(2, -exponents[m])])
        }
        let selection = try SelectionMethod.lensllm.select(curves, settings: SelectionSettings(budget: 400, target: 3_200))
        let result = try #require(selection.lensllm)
        #expect(result.transitions == [-1, -1, -1, -1])
        #expect(result.degradation == .sharedExponentUndetermined(points: 8, candidates: 4))
        #expect(result.fitPredictions[.sharedExponent] == nil && result.weights(.fixed) == [.sharedExponent: 0, .shrunkExponents: 1])
        let lines = (0..<4).map { starts[$0] * pow(2, -exponents[$0] * 4) }
        for (predicted, line) in zip(selection.scores, lines) { #expect(abs(predicted / line - 1) < 1e-12) }
        #expect(selection.selected == lines.indices.min { lines[$0] < lines[$1] })
        // One more point makes the shared-exponent fit determined (10 of 2M + 2 = 10), and both fits are made.
        var longer = curves
        longer[0] = LossCurve(model: "m0", sizes: [200, 400, 800], losses: [3, 3 * pow(2, -0.1), 3 * pow(2, -0.2)])
        longer[1] = LossCurve(model: "m1", sizes: [200, 400, 800], losses: [3.1, 3.1 * pow(2, -0.16), 3.1 * pow(2, -0.32)])
        let both = try LensLLMSelection().predict(longer, target: 3_200)
        #expect(both.degradation == nil && both.fitPredictions[.sharedExponent] != nil)
    }

    /// The built-in calibration references are the benchmark's CSVs as written, and every one parses.
    @Test func builtInReferenceCurvesParse() throws {
        for (name, csv) in ReferenceCurves.rectifiedScalingLaw {
            let set = try CurveFile.parse(csv, source: name)
            #expect(set.curves.count == 30 && set.curves.allSatisfy { $0.count == 14 }, "\(name)")
        }
        #expect(ReferenceCurves.rectifiedScalingLaw.map(\.name) == ["flan", "gigaword"])
    }

    // With the residual test's k = 3: m ≤ k leaves every point in the power phase (−1); a curve
    // whose smaller points never deviate runs to p = m − 1 and still leaves the smallest out (0),
    // as the reference implementation does. (Alternating ±ε keeps every deviation within a few
    // residual standard deviations; random noise need not, since 3-point fits can have tiny s.)
    @Test func residualTestEdgeCasesFollowTheReference() {
        let test = SequentialResidualTest()
        let x = (0..<3).map { Double($0) }
        #expect(test.transitionIndex(logSizes: x, logLosses: x.map { -0.1 * $0 }) == -1)
        let xs = (0..<10).map { Double($0) }
        let straight = xs.map { -0.1 * $0 + 0.001 * ($0.truncatingRemainder(dividingBy: 2) == 0 ? 1 : -1) }
        #expect(test.transitionIndex(logSizes: xs, logLosses: straight) == 0)
    }

    @Test func residualTestStopsAtAKink() {
        let xs = (0..<10).map { Double($0) }
        var rng = SeededGenerator(seed: 2)
        // Flat up to x = 4, slope −0.3 after: the first rejected point is x = 4's neighbour.
        let ys = xs.map { ($0 <= 4 ? 0 : -0.3 * ($0 - 4)) + 0.001 * rng.normal() }
        let t = SequentialResidualTest().transitionIndex(logSizes: xs, logLosses: ys)
        #expect(t == 3 || t == 4, "transition index \(t)")
    }

    @Test func subtuningNeedsTheBudgetColumn() throws {
        let curve = LossCurve(model: "m", sizes: [200, 400], losses: [3, 2.5])
        let error = #expect(throws: CurveError.self) {
            try SelectionMethod.subtuning.select([curve, curve], settings: SelectionSettings(budget: 800, target: 1600))
        }
        #expect(error?.description == "model \"m\" has no loss at the budget 800; subtuning needs it")
    }

    // Only the points up to the budget may inform a prediction: perturbing every loss beyond it
    // (the target column included) must leave every method's scores unchanged, bit for bit.
    @Test(arguments: SelectionMethod.allCases)
    func noMethodSeesBeyondTheBudget(method: SelectionMethod) throws {
        let curves = SyntheticCurves.candidates(count: 8, seed: 3)
        let budget = 12_800.0
        let perturbed = curves.map { c -> LossCurve in
            var c = c
            c.losses = zip(c.sizes, c.losses).map { $0 > budget ? $1 * 1.3 : $1 }
            return c
        }
        let settings = SelectionSettings(budget: budget, target: 1_638_400)
        let a = try method.select(curves, settings: settings)
        let b = try method.select(perturbed, settings: settings)
        #expect(a.scores == b.scores)
    }

    // Progress for long selections: every method reports work done that never falls, against one
    // total, and ends at that total (M curves scored; lensllm 3M curves fitted).
    @Test(arguments: SelectionMethod.allCases)
    func selectionReportsProgressToItsEnd(method: SelectionMethod) throws {
        let curves = SyntheticCurves.candidates(count: 8, seed: 3)
        var reports: [(done: Int, total: Int)] = []
        _ = try method.select(curves, settings: SelectionSettings(budget: 12_800, target: 1_638_400)) { reports.append(($0, $1)) }
        let total = method == .lensllm ? 24 : 8
        #expect(reports.allSatisfy { $0.total == total } && reports.last?.done == total, "\(reports)")
        #expect(zip(reports, reports.dropFirst()).allSatisfy { $0.done <= $1.done })
    }
}
