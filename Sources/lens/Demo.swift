import ArgumentParser
import Curves
import _Files
import Foundation
import Hessian
import LinearAlgebra
import Models
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
        try modelPart()
        print("\nReports: \(out)/curves/index.md")
    }

    /// Pretrain a tiny GPT-2 on a synthetic source task, fine-tune it on the shifted target task, and
    /// measure the pair's per-block curvature along v = fine-tuned − pretrained (Theorem 1's h_i).
    func modelPart() throws {
        let config = GPT2Config(layers: 2, channels: 32, heads: 4, maxPositions: 32, vocabulary: 64)
        let corpus = SyntheticCorpus(vocabulary: 64, shift: 0.3, seed: seed)
        func steps(_ task: SyntheticCorpus.Task, _ count: Int, stream: UInt64) -> [TokenBatch] {
            (0..<count).map { corpus.sample(task, count: 8, length: 32, streamSeed: stream &+ UInt64($0)) }
        }
        var model = GPT2<Float>(GPT2Parameters.randomInitialization(config: config, seed: seed))
        var pretraining = AdamW(learningRate: 3e-3, weightDecay: 0.01)
        let pretrainLosses = model.fineTune(on: steps(.source, 300, stream: 1_000), optimizer: &pretraining)
        let pretrained = model.parameters()
        var fineTuning = AdamW(learningRate: 1e-3, weightDecay: 0.01)
        let fineTuneLosses = model.fineTune(on: steps(.target, 60, stream: 2_000), optimizer: &fineTuning)
        let finetuned = model.parameters()
        try pretrained.save(directory: "\(out)/gpt2/pretrained")
        try finetuned.save(directory: "\(out)/gpt2/finetuned")
        print(String(format: "\n4. GPT-2 (2 layers, width 32, vocabulary 64): pretrained on the source task (300 AdamW steps, loss %.3f -> %.3f),", pretrainLosses.first!, pretrainLosses.last!))
        print(String(format: "   fine-tuned on the shifted target task (60 steps, loss %.3f -> %.3f); checkpoints in %@/gpt2/", fineTuneLosses.first!, fineTuneLosses.last!, out))

        let heldOut = corpus.sample(.target, count: 8, length: 32, streamSeed: 9_999)
        let op = GPT2HessianOperator(parameters: finetuned, batch: heldOut)
        let direction = zip(finetuned.values, pretrained.values).map { $0 - $1 }
        print("\n5. Curvature of the fine-tuning step per block on held-out target data (v = fine-tuned - pretrained):\n")
        print("| block | v^T H v | v^T H^+ v | certified interval | top eigenvalue | HVPs |\n|---|---:|---:|---|---:|---:|")
        for block in op.blocks {
            let b = BlockCurvature.analyse(op, block: block, direction: direction, steps: 40, eigenvalues: 1, seed: seed)
            print(String(format: "| %@ | %.4e | %.4e | [%.4e, %.4e] | %.4e | %d |", block.name, b.raw, b.truncated.estimate,
                         b.truncated.interval.lowerBound, b.truncated.interval.upperBound, b.top.values[0], b.applications))
        }
    }
}
