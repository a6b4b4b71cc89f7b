import ArgumentParser
import Curves
import _Files
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

    func validate() throws {
        try OutputPath.checkDirectory(out, option: "--out", carrying: [CandidateReports.checkpoints])
    }

    var command: String { Invocation.command("lens") }

    func run() throws {
        let started = DispatchTime.now().uptimeNanoseconds
        let demo = TransferDemo.standard(quick: quick, seed: seed)
        let (pool, test) = demo.targetData
        let sizes = demo.study.sizes
        let checkpoints = "\(out)/\(CandidateReports.checkpoints)"
        try TokenFile.writeJSON(["train": pool, "test": test], path: "\(checkpoints)/tokens.json")
        print("1. \(demo.candidates.count) GPT-2 candidates pretrained on the synthetic source task (\(demo.pretrainingSteps) AdamW steps of \(demo.pretrainingBatch) sequences), "
              + "fine-tuned on the shifted target task at n = \(sizes.map(String.init).joined(separator: ", ")) (\(demo.testSequences) test sequences):\n")
        var results: [CandidateStudy.Result] = []
        for candidate in demo.candidates {
            let folder = CurveReport.slug(candidate.name)
            let pretraining = ProgressLine("\(candidate.name): pretraining (AdamW steps)")
            let (pretrained, cached) = try demo.pretrained(candidate, cache: "\(checkpoints)/\(folder)/pretrained", progress: pretraining.update)
            pretraining.finish()
            let progress = ProgressLine("\(candidate.name): fine-tuning and measuring (single-sequence HVP-equivalents)")
            var saved: [(Int, GPT2Parameters)] = []
            let result = try demo.study.run(name: candidate.name, pretrained: pretrained, pool: pool, test: test, progress: progress.update,
                                        keep: { n, p in saved.append((n, p)) })
            progress.finish()
            try CandidateReports.checkFinite(result)
            for (n, parameters) in saved { try parameters.save(directory: "\(checkpoints)/\(folder)/n\(n)") }
            results.append(result)
            let k = result.corollary.checkpoints
            print("   \(candidate.name) (\(result.parameterCount) parameters\(cached ? ", pretrained checkpoint from the cache" : "")): "
                  + "test loss \(Markdown.number(result.zeroShot)) at n = 0, \(Markdown.number(k.last!.bound.testLoss)) at n = \(k.last!.n); "
                  + "bound / L at n = \(k.last!.n): \(Markdown.number(k.last!.bound.certified.tightness))")
        }
        let manifest = "\(checkpoints)/manifest.json"
        try AtomicFile.write(demo.manifest(results, tokens: "tokens.json", folder: { CurveReport.slug($0) }).json(), to: manifest)

        // No run time in the reports: the same seed gives the same bytes (the time is printed below).
        let provenance = "Produced by `\(command)` (LensLLM toolkit) on \(Self.machine()); every number comes from this run."
        let description = "\(demo.candidates.count) GPT-2 candidates of different depth and width were pretrained on a synthetic source task "
            + "(\(demo.pretrainingSteps) AdamW steps of \(demo.pretrainingBatch) fresh sequences), then each was fine-tuned on the first n sequences "
            + "of a shifted target task (\(demo.study.fineTuning.summary)). The checkpoints and the manifest that "
            + "`lens report --manifest \(manifest) --out DIR` reads are in `checkpoints/` (not committed; the demo remakes them)."
        let (accuracyPage, accuracyTable) = transitionAccuracy()
        try CandidateReports.write(results, budgets: demo.budgets, provenance: provenance, description: description,
                                   links: ["The transition methods against known transitions on synthetic curves: [transition-accuracy.md](transition-accuracy.md)."],
                                   pages: ["transition-accuracy.md": accuracyPage], to: out)
        print("\nThe transition methods against known transitions (\(out)/transition-accuracy.md):\n")
        print(accuracyTable)
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
        print("\nReports: \(out)/index.md (\(Int(seconds.rounded())) s)")
    }

    /// The processor and the core count, for the report's provenance.
    static func machine() -> String {
        let info = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        let model = info.split(separator: "\n").first { $0.hasPrefix("model name") }?.split(separator: ":").last?
            .trimmingCharacters(in: .whitespaces) ?? "an unknown processor"
        return "\(model), \(ProcessInfo.processInfo.activeProcessorCount) logical CPUs, BLAS on one thread"
    }

    /// Seeds of the families the transition methods are checked on (8 curves each).
    var accuracySeeds: ClosedRange<UInt64> { quick ? 1...5 : 1...40 }

    /// Each transition method against known transitions: curves of the demo's own family (LensLLM's law,
    /// transition at D^beta = F) and two-regime curves (transition at the break), over many seeds.
    /// - Returns: the page and its table.
    func transitionAccuracy() -> (page: String, table: String) {
        let progress = ProgressLine("transition accuracy (seeds)")
        var lens: [(truth: Double, curve: LossCurve)] = [], twoRegime: [(truth: Double, curve: LossCurve)] = []
        for seed in accuracySeeds {
            lens += SyntheticCurves.candidateLaws(count: 8, seed: seed).compactMap { pair in pair.law.crossover.map { ($0, pair.curve) } }
            twoRegime += SyntheticCurves.twoRegimeFamily(count: 8, seed: seed)
        }
        let families = [("LensLLM law (n* = F^(1/beta))", TransitionAccuracy.measure(lens)),
                        ("two-regime law (n* = the break)", TransitionAccuracy.measure(twoRegime))]
        progress.finish()
        let table = CurveTables.transitionAccuracy(families)
        let page = """
        # Transition methods against known transitions

        Produced by `\(command)` (LensLLM toolkit): \(lens.count) curves of the demo's family
        (LensLLM's law with 0.5% noise, seeds \(accuracySeeds.lowerBound)-\(accuracySeeds.upperBound), the transition
        at the crossover D^beta = F) and \(twoRegime.count) two-regime curves (0.5% noise, the transition at the break). Each
        method's located size against the truth, and how often its interval holds the truth (95% intervals for broken and
        law; for residual the gap between the sizes around its transition).

        \(table)
        The residual test (Algorithm 1) marks where a straight line in log-log stops fitting the points from the largest
        size down; with the floor E of LensLLM's law the curve bends everywhere, so it stops within the first few points
        and says nothing about D^beta = F. The two-regime law locates the break of curves that have one, and not the
        crossover of a law with a floor. The law method fits the law and reads its crossover.

        """
        return (page, table)
    }
}
