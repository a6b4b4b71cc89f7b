import ArgumentParser
import Curves
import _Files
import Foundation
import Models
import Reports
import Theory

struct Demo: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "The end-to-end demo on data the toolkit generates itself: transitions, fits, selection and reports on synthetic curves; a tiny GPT-2 pretrained, fine-tuned and its per-block curvature.")

    @Option(help: "Where to write the curves, reports and checkpoints.")
    var out = "reports/demo"

    @Option(help: "Seed of the synthetic candidates, corpus and model.")
    var seed: UInt64 = 7

    func validate() throws {
        try OutputPath.check(out, option: "--out")
    }

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

        try transitionAccuracy()

        let budget = 12_800.0, target = 1_638_400.0
        print("3. Selection from the points up to \(format(budget)), predicting \(format(target)):\n")
        for method in [SelectionMethod.lensllm, .ats, .rectified] {
            let s = try method.select(set.curves, settings: SelectionSettings(budget: budget, target: target), source: file)
            guard let evaluation = s.evaluation(against: set.curves, target: target) else {
                throw ValidationError("\(file): the synthetic curves lack the target size \(format(target))")
            }
            print("   \(method.rawValue): selects \(set.curves[s.selected].model); PearCorr \(Markdown.percent(evaluation.metrics.pearson)), RelAcc \(Markdown.percent(evaluation.metrics.relativeAccuracy))")
        }
        try modelPart()
        print("\nReports: \(out)/curves/index.md")
    }

    /// Seeds of the families the transition methods are checked on (8 curves each).
    static let accuracySeeds: ClosedRange<UInt64> = 1...40

    /// Each transition method against known transitions: curves of the demo's own family (LensLLM's law,
    /// transition at D^beta = F) and two-regime curves (transition at the break), over many seeds.
    func transitionAccuracy() throws {
        let progress = ProgressLine("transition accuracy (seeds)")
        var lens: [(truth: Double, curve: LossCurve)] = [], twoRegime: [(truth: Double, curve: LossCurve)] = []
        for seed in Self.accuracySeeds {
            lens += SyntheticCurves.candidateLaws(count: 8, seed: seed).compactMap { pair in pair.law.crossover.map { ($0, pair.curve) } }
            twoRegime += SyntheticCurves.twoRegimeFamily(count: 8, seed: seed)
        }
        let families = [("LensLLM law (n* = F^(1/beta))", TransitionAccuracy.measure(lens)),
                        ("two-regime law (n* = the break)", TransitionAccuracy.measure(twoRegime))]
        progress.finish()
        let table = CurveTables.transitionAccuracy(families)
        let page = """
        # Transition methods against known transitions

        Produced by `lens demo --out \(out) --seed \(seed)` (LensLLM toolkit): \(lens.count) curves of the demo's family
        (LensLLM's law with 0.5% noise, seeds \(Self.accuracySeeds.lowerBound)-\(Self.accuracySeeds.upperBound), the transition
        at the crossover D^beta = F) and \(twoRegime.count) two-regime curves (0.5% noise, the transition at the break). Each
        method's located size against the truth, and how often its interval holds the truth (95% intervals for broken and
        law; for residual the gap between the sizes around its transition).

        \(table)
        The residual test (Algorithm 1) marks where a straight line in log-log stops fitting the points from the largest
        size down; with the floor E of LensLLM's law the curve bends everywhere, so it stops within the first few points
        and says nothing about D^beta = F. The two-regime law locates the break of curves that have one, and not the
        crossover of a law with a floor. The law method fits the law and reads its crossover.

        """
        try AtomicFile.write(page, to: "\(out)/transition-accuracy.md")
        print("   Against known transitions (\(out)/transition-accuracy.md):\n")
        print(table)
    }

    /// Pretrain a tiny GPT-2 on a synthetic source task, fine-tune it on the shifted target task, and
    /// measure the pair's per-block curvature along v = fine-tuned − pretrained (Theorem 1's h_i) on
    /// held-out target data.
    func modelPart() throws {
        let config = GPT2Config(layers: 2, channels: 32, heads: 4, maxPositions: 32, vocabulary: 64)
        let transfer = SyntheticTransfer(config: config, corpus: SyntheticCorpus(vocabulary: 64, shift: 0.3, seed: seed), batchSize: 8,
                                         pretrainingSteps: 300, fineTuningSteps: 60, pretrainingRate: 3e-3, fineTuningRate: 1e-3, seed: seed)
        let run = transfer.run()
        let pair = CheckpointPair(pretrained: run.pretrained, finetuned: run.finetuned)
        let directory = "\(out)/gpt2"
        try pair.pretrained.save(directory: "\(directory)/pretrained")
        try pair.finetuned.save(directory: "\(directory)/finetuned")
        try TokenFile.writeJSON(["heldout": run.heldOut], path: "\(directory)/tokens.json")
        print(String(format: "\n4. GPT-2 (2 layers, width 32, vocabulary 64): pretrained on the source task (%d AdamW steps, loss %.3f -> %.3f),",
                     transfer.pretrainingSteps, run.pretrainingLosses.first ?? .nan, run.pretrainingLosses.last ?? .nan))
        print(String(format: "   fine-tuned on the shifted target task (%d steps, loss %.3f -> %.3f); checkpoints and the held-out batch in %@/",
                     transfer.fineTuningSteps, run.fineTuningLosses.first ?? .nan, run.fineTuningLosses.last ?? .nan, directory))

        let steps = 40, top = 1
        let curvature = PairCurvature.analyse(pair, batch: run.heldOut, steps: steps, eigenvalues: top, seed: seed)
        print("\n5. Curvature of the fine-tuning step per block on the held-out target batch (v = fine-tuned - pretrained);")
        print("   `lens hessian --pretrained \(directory)/pretrained --finetuned \(directory)/finetuned --tokens \(directory)/tokens.json --split heldout --steps \(steps) --top \(top) --seed \(seed)` reproduces it:\n")
        print(CurvatureTables.blocks(curvature.blocks))
    }
}
