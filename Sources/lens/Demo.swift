import _Files
import ArgumentParser
import Curves
import Foundation
import Models
import Reports
import Theory

struct Demo: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "The end-to-end demo on data the toolkit makes itself: GPT-2 candidates pretrained on a synthetic source task, each really fine-tuned on a shifted target task at n = 1, 2, 4, ... sequences and measured (h_i, the Theorem 2 bound, Corollary 1, the tangent kernel, NLPmetrics), then selected from the small sizes against the truth at the largest; reports per candidate.")

    @Option(help: "Where to write the reports, the curves and the checkpoints (pretrained ones are reused from there when their settings match).")
    var out = "reports/demo"

    @Option(parsing: .unconditional, help: "Seed of the corpora, the candidates' initialisation, the batch order and the probes.")
    var seed: UInt64 = 7

    @Flag(help: "A small run (tiny candidates, n up to 64) for tests and CI: seconds.")
    var quick = false

    @OptionGroup var threading: ThreadOptions

    func validate() throws {
        try OutputPath.checkDirectory(out, option: "--out", carrying: [CandidateReportDirectory.checkpoints])
    }

    var command: String { Invocation.command("lens") }

    func run() throws {
        let started = DispatchTime.now().uptimeNanoseconds
        var demo = TransferDemo.standard(quick: quick, seed: seed)
        let measured = max(demo.study.sizes.last!, demo.study.probes)
        demo.study.measurement.lanes = try threading.resolve(bytes: { threads in
            demo.candidates.map { HessianTerms.memoryBytes($0.config, samples: measured, length: $0.config.maxPositions, steps: demo.study.measurement.steps,
                                                           lanes: threads) }.max() ?? 0
        }, for: "the demo's Hessian terms", remedy: "give fewer --threads")
        let (pool, test) = demo.targetData
        let sizes = demo.study.sizes
        let checkpoints = "\(out)/\(CandidateReportDirectory.checkpoints)"
        try TokenFile.writeJSON(["train": pool, "test": test], path: "\(checkpoints)/tokens.json")
        print("1. \(demo.candidates.count) GPT-2 candidates pretrained on the synthetic source task (\(demo.pretrainingSteps) AdamW steps of \(demo.pretrainingBatch) sequences), "
              + "fine-tuned on the shifted target task at n = \(sizes.map(String.init).joined(separator: ", ")) (\(demo.testSequences) test sequences):\n")
        var results: [CandidateStudy.Result] = []
        for candidate in demo.candidates {
            let pretraining = ProgressLine("\(candidate.name): pretraining (AdamW steps)")
            var measuring: ProgressLine?  // started when the pretraining ends
            let (result, cached) = try demo.run(candidate, pool: pool, test: test, checkpoints: checkpoints, folder: CurveReport.slug(candidate.name),
                                                pretraining: pretraining.update) { done, total in
                if measuring == nil {
                    pretraining.finish()
                    measuring = ProgressLine("\(candidate.name): fine-tuning and measuring (single-sequence HVP-equivalents)")
                }
                measuring?.update(done, of: total)
            }
            measuring?.finish()
            results.append(result)
            let k = result.corollary.checkpoints
            print("   \(candidate.name) (\(result.parameterCount) parameters\(cached ? ", pretrained checkpoint from the cache" : "")): "
                  + "test loss \(Markdown.number(result.zeroShot)) at n = 0, \(Markdown.number(k.last!.bound.testLoss)) at n = \(k.last!.n); "
                  + "bound / L at n = \(k.last!.n): \(Markdown.number(k.last!.bound.certified.tightness))")
        }
        let manifest = "\(checkpoints)/manifest.json"
        try AtomicFile.write(demo.manifest(results, tokens: "tokens.json", folder: { CurveReport.slug($0) }).json(), to: manifest)

        // No run time in the reports: the same seed gives the same bytes (the time is printed below).
        let provenance = "Produced by `\(command)` (LensLLM toolkit) on \(Machine.description), BLAS on one thread; every number comes from this run."
        let description = "\(demo.candidates.count) GPT-2 candidates of different depth and width were pretrained on a synthetic source task "
            + "(\(demo.pretrainingSteps) AdamW steps of \(demo.pretrainingBatch) fresh sequences), then each was fine-tuned on the first n sequences "
            + "of a shifted target task (\(demo.study.fineTuning.summary)). The checkpoints and the manifest that "
            + "`lens report --manifest \(manifest) --out DIR` reads are in `checkpoints/` (not committed; the demo remakes them)."
        let accuracy = ProgressLine("transition accuracy")
        let check = TransitionAccuracy.SyntheticCheck(seeds: quick ? 1...5 : 1...40)
        accuracy.finish()
        let evaluation = CandidateEvaluation(results, budgets: demo.budgets)
        try CandidateReportDirectory.write(evaluation, provenance: provenance, description: description,
                                           links: ["The transition methods against known transitions on synthetic curves: [transition-accuracy.md](transition-accuracy.md)."],
                                           pages: ["transition-accuracy.md": TransitionAccuracyPage.markdown(check, command: command)], to: out)
        print(CandidateReportDirectory.selectionSummary(evaluation), terminator: "")
        print("\nThe transition methods against known transitions (\(out)/transition-accuracy.md):\n")
        print(TransitionAccuracyPage.table(check))
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
        print("\nReports: \(out)/index.md (\(Int(seconds.rounded())) s)")
    }
}
