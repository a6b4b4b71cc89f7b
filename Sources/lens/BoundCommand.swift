import _Files
import ArgumentParser
import Models
import Reports
import Theory

struct Bound: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "The generalization bound of Theorem 2 for a checkpoint pair: per-block Hessian terms h_i as the maximum over probe samples of the data distribution (default: the test split; the training samples' maximum beside it), the bound, and its tightness against the test loss.",
        discussion: "`lens bound --pretrained A --finetuned B --tokens FILE ...` runs `measure`, the default: its options are in `lens bound measure --help`. Sharded over a scheduler: `lens bound ... --shard K/N --share FILE` measures one share of the forms (run K = 1..N, as a Slurm array or a Kubernetes indexed Job); `lens bound merge FILE...` gives exactly the unsharded result.",
        subcommands: [Measure.self, Merge.self], defaultSubcommand: Measure.self)
}

extension Bound {
    struct Measure: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Measure the bound (the default subcommand), or one share of it with --shard.")

        @OptionGroup var checkpoints: CheckpointPairOptions

        @OptionGroup var data: TrainTestTokens

        @OptionGroup var probeData: ProbeTokens

        @Option(parsing: .unconditional, help: "The number of training samples n the bound counts (default: the training sequences examined). It changes only the formula: L_hat and the training samples' maximum are over the sequences examined (see --first).")
        var n: Int?

        @Option(parsing: .unconditional, help: "Examine the first N training sequences only, those a manifest's pair n = N was fine-tuned on: L_hat and the training samples' maximum over them, and n = N unless --n says otherwise.")
        var first: Int?

        @OptionGroup var theorem: TheoremTwoOptions

        @Option(parsing: .unconditional, help: "The most Lanczos steps a Hessian form may take (with --rtol 0, the steps every form takes).")
        var steps = HessianTerms.defaultSteps

        @Option(parsing: .unconditional, help: "Stop each form once its certified interval's width is at most this fraction of its lower end, so that its upper end lies within it of the form; 0: run every form to --steps.")
        var rtol = HessianTerms.defaultTolerance

        @Flag(help: "Run every sample briefly first and refine only the largest upper ends (it pays only where samples' forms differ by more than their certificates' width).")
        var screening = false

        @OptionGroup var threading: ThreadOptions

        @OptionGroup var engine: EngineOptions

        @Option(parsing: .unconditional, help: ArgumentHelp("Measure share K of N only (K = 1..N): every N-th sample's forms; needs --share. `lens bound merge` joins the shares.", valueName: "K/N"))
        var shard: String?

        @Option(help: "With --shard: write the share to this JSON file.")
        var share: String?

        @OptionGroup var output: ReportOutput

        func validate() throws {
            if let n, n < 1 { throw ValidationError("--n must be at least 1") }
            if let first, first < 1 { throw ValidationError("--first must be at least 1") }
            guard steps >= 1 else { throw ValidationError("--steps must be at least 1") }
            guard rtol >= 0 && rtol.isFinite else { throw ValidationError("--rtol must be a finite number >= 0") }
            if shard != nil || share != nil {
                _ = try shardNumbers()
                guard let share else { throw ValidationError("--shard needs --share FILE, the file its share goes to") }
                guard !screening else { throw ValidationError("--screening refines across samples, so its shares are not independent: leave it out with --shard") }
                guard output.out == nil, !output.json else { throw ValidationError("--shard writes a share, not a report: leave out --out and --json (`lens bound merge` writes the report)") }
                try OutputPath.checkFile(share, option: "--share", kind: "share of a sharded `lens bound`") {
                    String(decoding: $0.prefix(4096), as: UTF8.self).contains("\"\(BoundShare.format)\"")
                }
            }
        }

        /// --shard K/N as (K, N), 1 <= K <= N.
        func shardNumbers() throws -> (Int, Int)? {
            guard let shard else { return nil }
            let parts = shard.split(separator: "/", omittingEmptySubsequences: false).map { Int($0) }
            guard parts.count == 2, let k = parts[0], let n = parts[1], n >= 1, (1...n).contains(k) else {
                throw ValidationError("--shard \(shard): expected K/N with 1 <= K <= N, such as 2/8")
            }
            return (k, n)
        }

        func run() throws {
            switch engine.engine {
            case .native:
                let pair = try checkpoints.load()
                let config = pair.finetuned.config
                let (all, test) = try data.load(for: ModelDescription(config))
                let train = try examined(all)
                let probes = try probeData.load(data, for: ModelDescription(config))
                let probeBatch = probes?.batch ?? test
                func memory(_ threads: Int) -> Int {
                    HessianTerms.memoryBytes(config, samples: max(train.batch, probeBatch.batch), length: max(train.length, probeBatch.length), steps: steps, lanes: threads)
                }
                let threads = try threading.resolve(bytes: memory, for: "the Hessian terms of \(max(train.batch, probeBatch.batch)) sequences",
                                                    remedy: "give fewer training or probe sequences, or fewer --threads")
                try measure(engine: pair.engine(concurrency: threads), direction: pair.direction, train: train, test: test, probes: probes,
                            resources: "\(threads) thread\(threads == 1 ? "" : "s"), needs about \(Markdown.bytes(memory(threads)))")
            case .torch:
                let (torch, memory) = try engine.torchForForms(pretrained: checkpoints.pretrained, finetuned: checkpoints.finetuned, steps: steps,
                                                               threading: threading)
                let limits = torch.model
                let (all, test) = try data.load(for: limits)
                let train = try examined(all)
                try measure(engine: torch, direction: torch.direction, train: train, test: test, probes: try probeData.load(data, for: limits),
                            resources: "the PyTorch worker (\(torch.model.family), \(torch.parameterCount) parameters in \(torch.blocks.count) blocks), "
                                + "needs about \(Markdown.bytes(memory)) here and what the worker holds")
            }
        }

        /// The training sequences examined: the first --first of the split, or all of it.
        func examined(_ train: TokenBatch) throws -> TokenBatch {
            guard let first else { return train }
            guard first <= train.batch else {
                throw RunError("--first \(first): the training split \"\(data.trainSplit)\" of \(data.tokens) holds \(train.batch) sequences")
            }
            return train.prefix(first)
        }

        /// The bound, or with --shard one share of it, on `engine`.
        func measure<Engine: ModelEngine>(engine: Engine, direction: [Double], train: TokenBatch, test: TokenBatch,
                                          probes: (batch: TokenBatch, source: String)?, resources: String) throws {
            let probeBatch = probes?.batch ?? test
            ProgressLine.note("lens bound: \(train.batch) training sequences of \(train.length) tokens and \(test.batch) test sequences of \(test.length); "
                + "h_i over \(probeBatch.batch) probe sequences (\(probes?.source ?? "the test split")), the training samples' maximum beside it; "
                + (rtol > 0 ? "each form to a relative width of \(rtol), at most \(steps) Lanczos steps" : "\(steps) Lanczos steps per form") + "; \(resources)")
            if let (k, shards) = try shardNumbers(), let share {
                let progress = ProgressLine("Hessian terms, share \(k) of \(shards) (forms)")
                let measured = try BoundShare.measure(shard: k, of: shards, direction: direction, engine: engine, train: train, test: test,
                                                      probes: probes?.batch, probeSource: probes?.source ?? "the test split", n: n, epsilon: theorem.eps,
                                                      lossBound: theorem.lossBound, steps: steps, tolerance: rtol, command: Invocation.command("lens")) {
                    progress.update($0, of: $1)
                }
                progress.finish()
                try AtomicFile.write(JSON.encode(measured), to: share)
                ProgressLine.note("lens bound: share \(k) of \(shards) written to \(share); `lens bound merge` joins the \(shards) shares")
                return
            }
            let progress = ProgressLine("Hessian terms (forms)")
            let bound = try GeneralizationBound.evaluate(direction: direction, engine: engine, train: train, test: test, probes: probes?.batch,
                                                         probeSource: probes?.source ?? "the test split", compareTraining: true, n: n, epsilon: theorem.eps,
                                                         lossBound: theorem.lossBound, steps: steps, tolerance: rtol, screening: screening) {
                progress.update($0, of: $1)
            }
            progress.finish()
            let provenance = "Produced by `\(Invocation.command("lens"))` (LensLLM toolkit); every number comes from this run."
            if let out = output.out { try BoundReport.write(bound, provenance: provenance, to: out) }
            print(output.json ? BoundReport.json(bound) : BoundReport.markdown(bound, provenance: provenance), terminator: "")
        }
    }

    struct Merge: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Join the shares of a sharded `lens bound` (--shard K/N --share FILE) into its bound: exactly the unsharded run's numbers.")

        @Argument(help: "The N share files, in any order.")
        var shares: [String]

        @OptionGroup var output: ReportOutput

        func validate() throws {
            guard !shares.isEmpty else { throw ValidationError("give the share files to merge") }
        }

        func run() throws {
            let read = try shares.map { path throws(FileError) in try BoundShare.read(path: path) }
            let bound = try BoundShare.merge(read, paths: shares)
            let first = read.min { $0.shard < $1.shard }!
            let provenance = "Produced by `\(Invocation.command("lens"))` (LensLLM toolkit) from \(first.shards) shares made by `\(first.command)` "
                + "and its siblings (--shard 1/\(first.shards) ... \(first.shards)/\(first.shards)); every number comes from those runs."
            if let out = output.out { try BoundReport.write(bound, provenance: provenance, to: out) }
            print(output.json ? BoundReport.json(bound) : BoundReport.markdown(bound, provenance: provenance), terminator: "")
        }
    }
}
