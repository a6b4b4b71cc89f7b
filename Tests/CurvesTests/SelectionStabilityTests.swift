import Curves
import Foundation
import LinearAlgebra
import TestSupport
import Testing

/// Issue 23, acceptance 4: lensllm's selection does not switch on differences far below the data's noise,
/// and degrades gracefully with noise at the level of real measurements.
///
/// The decisions inside a selection are the residual test's transitions (a deviation against δ residual
/// standard deviations), the shared-exponent fit's rule (`LensLLMSelection.sharedExponentDetermined`:
/// counts of points, which move only with a transition) and the ranking of the predictions. A change of
/// 1e-8 relative in every loss moves a log loss by 1e-8, four orders of magnitude below the 1e-4 to 1e-2 of
/// measured fine-tuning losses' noise: nothing may switch on it.
struct SelectionStabilityTests {
    /// Every loss (and zero-shot loss) of `curves` times 1 + `relative` u, u uniform in [-1, 1) from `seed`.
    static func perturbed(_ curves: [LossCurve], relative: Double, seed: UInt64) -> [LossCurve] {
        var rng = SeededGenerator(seed: seed)
        return curves.map { curve in
            var c = curve
            c.losses = c.losses.map { $0 * (1 + relative * (2 * rng.uniform() - 1)) }
            c.zeroShot = c.zeroShot.map { $0 * (1 + relative * (2 * rng.uniform() - 1)) }
            return c
        }
    }

    /// Transitions, fallback, ranks and the selected model, compared between `a` and `b`.
    static func sameDecisions(_ a: Selection, _ b: Selection) -> Bool {
        a.transitions == b.transitions && a.lensllm?.degradation == b.lensllm?.degradation && a.ranks == b.ranks
            && a.selected == b.selected
    }

    // The demo's curves (4 GPT-2 candidates, n = 1 .. 1024) at its budgets 1/8 and 1/4.
    @Test func theDemosSelectionsDoNotMoveWhenEveryLossMovesByOneInAHundredMillion() throws {
        let curves = try CurveFile.read(path: Paths.fixture("demo-curves.csv")).curves
        for budget in [128.0, 256] {
            let settings = SelectionSettings(budget: budget, target: 1_024)
            let base = try SelectionMethod.lensllm.select(curves, settings: settings)
            for seed in 1...5 as ClosedRange<UInt64> {
                let moved = try SelectionMethod.lensllm.select(Self.perturbed(curves, relative: 1e-8, seed: seed), settings: settings)
                #expect(Self.sameDecisions(base, moved), "budget \(budget), seed \(seed)")
            }
        }
    }
}

@Suite(.enabled(if: Paths.hasBenchmark, "../shared/benchmarks/rectified-scaling-law is absent"))
struct BenchmarkStabilityTests {
    static func sets() throws -> [(String, CurveSet)] {
        try ["flan", "gigaword"].map { ($0, try CurveFile.read(path: "\(Paths.benchmark)/\($0).csv")) }
    }

    static func averagePearson(_ entries: [BenchmarkEntry], _ method: SelectionMethod) -> Double {
        let v = entries.filter { $0.method == method }.map(\.metrics.pearson)
        return v.reduce(0, +) / Double(v.count)
    }

    @Test func selectionsDoNotMoveWhenEveryLossMovesByOneInAHundredMillion() throws {
        for (name, set) in try Self.sets() {
            let base = try BenchmarkProtocol().run(set, dataset: name, methods: [.lensllm])
            for seed in 1...3 as ClosedRange<UInt64> {
                var moved = set
                moved.curves = SelectionStabilityTests.perturbed(set.curves, relative: 1e-8, seed: seed)
                let run = try BenchmarkProtocol().run(moved, dataset: name, methods: [.lensllm])
                for (a, b) in zip(base, run) {
                    #expect(SelectionStabilityTests.sameDecisions(a.selection, b.selection), "\(name) at \(a.budget), seed \(seed)")
                }
            }
        }
    }

    // The band at 1% noise, stated against the baseline under the same noise: lensllm's PearCorr, averaged
    // over the budgets, stays at or above AtS's on the same perturbed curves (less one point: the two share
    // every transition, so the noise moves both) and does not rise above its own on the clean curves by
    // more than a point. Measured on 3 seeds: FLAN 65.2 -> 59.7-60.2 (AtS 62.7 -> 54.9-59.6), Gigaword 94.0
    // -> 90.8-92.9 (AtS 93.8 -> 90.4-92.8).
    @Test(.slow) func pearCorrUnderOnePercentNoiseStaysWithinItsBand() throws {
        for (name, set) in try Self.sets() {
            let clean = Self.averagePearson(try BenchmarkProtocol().run(set, dataset: name, methods: [.lensllm]), .lensllm)
            for seed in 1...3 as ClosedRange<UInt64> {
                var noisy = set
                noisy.curves = SelectionStabilityTests.perturbed(set.curves, relative: 0.01, seed: seed)
                let run = try BenchmarkProtocol().run(noisy, dataset: name, methods: [.lensllm, .ats])
                let (lens, ats) = (Self.averagePearson(run, .lensllm), Self.averagePearson(run, .ats))
                #expect(lens >= ats - 1 && lens <= clean + 1, "\(name), seed \(seed): lensllm \(lens) (clean \(clean)), AtS \(ats)")
            }
        }
    }
}
