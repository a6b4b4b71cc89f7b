import _Files
import ArgumentParser
import Curves
import Models
import Reports
import Theory

struct Report: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write reports: `lens report --manifest FILE --out DIR` on candidates fine-tuned elsewhere (what `lens demo` reports on its own), or `lens report curves FILE --out DIR`.",
        discussion: Candidates.manifestSchema,
        subcommands: [Candidates.self, Curves.self], defaultSubcommand: Candidates.self)

    struct Candidates: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The demo's measurement, selection and reports on candidates listed in a manifest (the default: `lens report --manifest FILE --out DIR`).",
            discussion: manifestSchema)

        /// The manifest's fields, as the README's "Your own checkpoints" lists them.
        static let manifestSchema = """
            The manifest (JSON; paths relative to its folder unless absolute; every field required unless marked):
              tokens                 token file: {"train": [[ids]...], "test": [[ids]...]}, sequences of one length;
                                     pair n was fine-tuned on train[:n], test measures every loss
              learning_rate          the fine-tuning runs' eta (the tangent kernel's F uses it)
              budgets                increasing sizes among the listed n, below the largest
              measurement            epsilon, lanczos_steps, trace_budget (>= 3), probes, density_probes,
                                     density_steps, density_sequences, seed
              candidates[]           at least two: name, pretrained (folder), finetuned[]:
                                     n (the same increasing sizes for every candidate), checkpoint (folder),
                                     steps and batch_size (the run's compute; at the largest n the kernel's t),
                                     first_loss and last_loss (optional)
            python/lensllm/manifest.py writes checkpoints and manifest from a PyTorch or transformers training loop.
            GPT-2 checkpoints run on the native engine; any causal LM with --engine torch (the PyTorch worker).
            """

        @Option(help: "A candidate manifest (JSON; `lens demo` writes one as checkpoints/manifest.json): pretrained and fine-tuned checkpoints, token file, budgets, measurement settings.")
        var manifest: String

        @Option(help: "The directory to write into.")
        var out: String

        @OptionGroup var threading: ThreadOptions

        @OptionGroup var engine: EngineOptions

        func validate() throws {
            try OutputPath.checkDirectory(out, option: "--out", carrying: [CandidateReportDirectory.checkpoints])
        }

        func run() throws {
            let list = try CandidateManifest.read(path: manifest)
            let results = engine.engine == .torch ? try measureOnTorch(list) : try measureNatively(list)
            let provenance = "Produced by `\(Invocation.command("lens"))` (LensLLM toolkit); every number comes from this run."
            let families = Set(results.map(\.model.familyName)).sorted().joined(separator: ", ")
            let description = "\(results.count) \(families) candidates, each fine-tuned elsewhere on the first n sequences of the train split of `\(list.tokens)` as the manifest lists."
            let evaluation = CandidateEvaluation(results, budgets: list.budgets)
            try CandidateReportDirectory.write(evaluation, provenance: provenance, description: description, to: out)
            print(CandidateReportDirectory.selectionSummary(evaluation), terminator: "")
            print("\nReports: \(out)/index.md")
        }

        /// On the native engine: GPT-2 checkpoints, in parallel lanes.
        func measureNatively(_ list: CandidateManifest) throws -> [CandidateStudy.Result] {
            // Every config.json and the token file before any long work: a bad entry fails now, not an hour in.
            let architectures = try list.architectures()
            let splits = try list.splits(for: architectures.map(ModelDescription.init))
            var study = list.study
            let largest = list.sizes.last!
            study.measurement.lanes = try threading.resolve(bytes: { threads in
                zip(architectures, splits).map { config, split in
                    HessianTerms.memoryBytes(config, samples: max(largest, split.test.batch), length: max(split.pool.length, split.test.length),
                                             steps: study.measurement.steps, lanes: threads)
                }.max() ?? 0
            }, for: "the Hessian terms of n = \(largest) sequences", remedy: "give fewer --threads")
            var results: [CandidateStudy.Result] = []
            for (candidate, (pool, test)) in zip(list.candidates, splits) {
                let pretrained = try GPT2Parameters.load(directory: candidate.pretrained)
                let progress = ProgressLine("\(candidate.name): measuring (single-sequence HVP-equivalents)")
                let result = try study.run(name: candidate.name, pretrained: pretrained, pairs: list.pairs(candidate), rate: list.learningRate,
                                           pool: pool, test: test, progress: progress.update)
                progress.finish()
                try report(result, largest: largest)
                results.append(result)
            }
            return results
        }

        /// On the PyTorch worker: any causal LM, one worker per checkpoint, one after another. Each candidate's
        /// architecture, token splits and memory are checked on a worker holding its first pair before its
        /// measurement starts.
        func measureOnTorch(_ list: CandidateManifest) throws -> [CandidateStudy.Result] {
            let study = list.study
            let largest = list.sizes.last!
            var results: [CandidateStudy.Result] = []
            for candidate in list.candidates {
                let (model, layerList, parameters): (ModelDescription, String, Int) = try {
                    let (first, _) = try engine.torchForForms(pretrained: candidate.pretrained, finetuned: candidate.finetuned[0].checkpoint,
                                                              steps: study.measurement.steps, threading: threading)
                    return (first.model, first.layerList, first.parameterCount)
                }()
                let (pool, test) = try list.splits(for: [model])[0]
                ProgressLine.note("\(candidate.name): \(list.sizes.count) pairs up to n = \(largest) on the PyTorch worker (\(model.family), \(parameters) parameters)")
                let spectra = WeightSpectra(checkpoint: try CheckpointTensors(directory: candidate.pretrained), layerList: layerList)
                let progress = ProgressLine("\(candidate.name): measuring (single-sequence HVP-equivalents)")
                let result = try study.run(name: candidate.name, model: model,
                                           pairs: list.pairs(candidate) { pretrained, finetuned in
                                               let torch = try engine.torch(pretrained: pretrained, finetuned: finetuned)
                                               return (torch.direction, torch)
                                           },
                                           pretrained: { try engine.torch(pretrained: nil, finetuned: candidate.pretrained) },
                                           final: { try engine.torch(pretrained: nil, finetuned: candidate.finetuned.last!.checkpoint) },
                                           spectra: spectra, rate: list.learningRate, pool: pool, test: test, progress: progress.update)
                progress.finish()
                try report(result, largest: largest)
                results.append(result)
            }
            return results
        }

        /// Checks a candidate's numbers and says its losses.
        func report(_ result: CandidateStudy.Result, largest: Int) throws {
            try result.requireFinite()
            print("\(result.name): test loss \(Markdown.number(result.zeroShot)) at n = 0, \(Markdown.number(result.curve.losses.last!)) at n = \(largest)")
        }
    }

    struct Curves: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "One markdown page per model (log-log SVG plot, fitted laws, transitions) and an index.")

        @Argument(help: "A curves CSV.")
        var file: String

        @Option(help: "The directory to write into.")
        var out: String

        func validate() throws {
            try OutputPath.checkDirectory(out, option: "--out")
        }

        func run() throws {
            let set = try CurveFile.read(path: file)
            let analyses = set.curves.map { CurveAnalysis($0) }
            try CurveReport.write(analyses, source: file,
                                  provenance: "Produced by `\(Invocation.command("lens"))` (LensLLM toolkit).",
                                  to: out)
            print("wrote \(analyses.count) model pages and index.md to \(out)")
        }
    }
}
