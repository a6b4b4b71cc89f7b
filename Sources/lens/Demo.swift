import ArgumentParser
import Curves
import Foundation
import Reports

struct Demo: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "The end-to-end demo on curves the toolkit generates itself: transitions, fits, selection, reports.")

    @Option(help: "Where to write the curves and reports.")
    var out = "reports/demo"

    @Option(help: "Seed of the synthetic candidate models.")
    var seed: UInt64 = 7

    func run() throws {
        let curves = SyntheticCurves.candidates(count: 8, seed: seed)
        let file = "\(out)/curves.csv"
        try AtomicFile.write(SyntheticCurves.wideCSV(curves), to: file)
        let set = try CurveFile.read(path: file)
        print("1. Generated \(set.curves.count) synthetic candidates (seed \(seed)) following LensLLM's law with noise: \(file)\n")

        let analyses = set.curves.map { CurveAnalysis($0, source: file) }
        try CurveReport.write(analyses, source: file,
                              provenance: "Produced by `lens demo --out \(out) --seed \(seed)` on synthetic curves (LensLLM toolkit).",
                              to: "\(out)/curves")
        let estimates = analyses.flatMap { $0.transitions.compactMap { try? $0.result.get() } }
        print("2. Transitions (all three methods):\n")
        print(CurveTables.transitions(estimates))

        let budget = 12_800.0, target = 1_638_400.0
        print("3. Selection from the points up to \(format(budget)), predicting \(format(target)):\n")
        let truth = set.curves.map { $0.loss(at: target)! }
        for method in [SelectionMethod.lensllm, .ats, .rectified] {
            let s = try method.select(set.curves, settings: SelectionSettings(budget: budget, target: target), source: file)
            let m = SelectionMetrics(scores: s.scores, ranks: s.ranks, trueLosses: truth)
            print("   \(method.rawValue): selects \(set.curves[s.selected].model); PearCorr \(Markdown.percent(m.pearson)), RelAcc \(Markdown.percent(m.relativeAccuracy))")
        }
        print("\nReports: \(out)/curves/index.md")
    }
}
