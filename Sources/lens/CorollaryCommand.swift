import _Files
import ArgumentParser
import Models
import Reports
import Theory

struct Corollary: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Corollary 1 across data sizes: fine-tune a pretrained checkpoint on n_1 < ... < n_k training samples (or read existing pairs from a manifest), measure each pair's h_i, losses and bound, fit h_i = C2 n^-beta2, derive beta3 and C3, and set them beside the measured gap's exponent.")

    @Option(help: "Pretrained checkpoint directory (config.json + model.safetensors, or the shards of model.safetensors.index.json).")
    var pretrained: String

    @OptionGroup var data: TrainTestTokens

    @Option(help: "Comma-separated training-set sizes n (ascending); pair n is fine-tuned on the first n training sequences (default 8,16,32,64,128,256).")
    var sizes: String?

    @Option(help: "Instead of fine-tuning: a CSV `n,finetuned` of existing pairs (directories relative to the manifest); pair n was fine-tuned on the first n training sequences.")
    var manifest: String?

    @Option(parsing: .unconditional, help: "AdamW steps per size, the same budget at every n (default 200).")
    var finetuneSteps: Int?

    @Option(parsing: .unconditional, help: "Instead of --finetune-steps: epochs per size, ceil(epochs n / batch) steps.")
    var epochs: Double?

    @Option(parsing: .unconditional, help: "Sequences per fine-tuning step (default 8).") var batch: Int?
    @Option(name: .customLong("lr"), parsing: .unconditional, help: "AdamW's learning rate (default 0.001).") var learningRate: Double?
    @Option(parsing: .unconditional, help: "AdamW's decoupled weight decay (default 0.01).") var weightDecay: Double?
    @Flag(help: "Fine-tune in Float64 (default Float32, as PyTorch fine-tunes).") var float64 = false

    @OptionGroup var theorem: TheoremTwoOptions

    @Option(parsing: .unconditional, help: "Lanczos steps per Hessian form.")
    var steps = 60

    @Option(parsing: .unconditional, help: "Hessian-vector products per block trace (Hutch++; exact when the block is no larger).")
    var traceBudget = 30

    @Option(parsing: .unconditional, help: "Seed of the fine-tuning batch order and the trace probes.")
    var seed: UInt64 = 1

    @OptionGroup var threading: ThreadOptions

    @OptionGroup var engine: EngineOptions

    @OptionGroup var output: ReportOutput

    func parsedSizes() throws -> [Int] {
        let parsed = (sizes ?? "8,16,32,64,128,256").split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !parsed.isEmpty, parsed.allSatisfy({ ($0 ?? 0) >= 1 }) else { throw ValidationError("--sizes must list positive integers, e.g. 8,16,32") }
        let values = parsed.map { $0! }
        guard zip(values, values.dropFirst()).allSatisfy({ $0 < $1 }) else { throw ValidationError("--sizes must be strictly increasing") }
        return values
    }

    /// The fine-tuning settings, defaults filled in.
    var settings: CorollaryStudy.FineTuningSettings {
        CorollaryStudy.FineTuningSettings(length: epochs.map { .epochs($0) } ?? .steps(finetuneSteps ?? 200), batchSize: batch ?? 8,
                                          learningRate: learningRate ?? 1e-3, weightDecay: weightDecay ?? 0.01, float64: float64)
    }

    func validate() throws {
        if manifest != nil {
            let given = [("--sizes", sizes != nil), ("--finetune-steps", finetuneSteps != nil), ("--epochs", epochs != nil), ("--batch", batch != nil),
                         ("--lr", learningRate != nil), ("--weight-decay", weightDecay != nil), ("--float64", float64)].filter(\.1).map(\.0)
            if !given.isEmpty {
                throw ValidationError("\(given.joined(separator: ", ")) apply only when lens fine-tunes the pairs; with --manifest they are already fine-tuned: leave them out")
            }
        } else {
            let sizes = try parsedSizes()
            if finetuneSteps != nil && epochs != nil { throw ValidationError("give --finetune-steps or --epochs, not both") }
            if let finetuneSteps, finetuneSteps < 1 { throw ValidationError("--finetune-steps must be at least 1") }
            if let batch, batch < 1 { throw ValidationError("--batch must be at least 1") }
            if let learningRate, !(learningRate > 0 && learningRate.isFinite) { throw ValidationError("--lr must be a finite learning rate > 0") }
            if let weightDecay, !(weightDecay >= 0 && weightDecay.isFinite) { throw ValidationError("--weight-decay must be a finite number >= 0") }
            if let epochs {
                guard epochs > 0 && epochs.isFinite else { throw ValidationError("--epochs must be a finite number > 0") }
                let largest = Double(sizes.last!), steps = (epochs * largest / Double(min(batch ?? 8, sizes.last!))).rounded(.up)
                guard steps <= Double(1 << 31) else {
                    throw ValidationError("--epochs \(epochs) means \(steps) AdamW steps at n = \(sizes.last!); at most 2^31 steps")
                }
            }
        }
        guard steps >= 1, traceBudget >= 3 else { throw ValidationError("--steps must be at least 1 and --trace-budget at least 3") }
    }

    func run() throws {
        if engine.engine == .torch { return try runOnTorch() }
        let start = try GPT2Parameters.load(directory: pretrained)
        let (pool, test) = try data.load(for: start.config)
        var study = CorollaryStudy(epsilon: theorem.eps, lossBound: theorem.lossBound, steps: steps, traceBudget: traceBudget, seed: seed)
        let list = try manifest.map { try CorollaryManifest.read(path: $0) }
        try list?.checkArchitectures(against: start.config, pretrained: pretrained)
        let entries = list?.entries
        let sizes = try entries?.map(\.n) ?? parsedSizes()
        if let largest = sizes.last, largest > pool.batch {
            throw FileError(data.tokens, "the training split has \(pool.batch) sequences, fewer than the largest size n = \(largest)")
        }
        let largest = sizes.last!
        func memory(_ threads: Int) -> Int {
            HessianTerms.memoryBytes(start.config, samples: max(largest, test.batch), length: max(pool.length, test.length), steps: steps, lanes: threads)
        }
        study.lanes = try threading.resolve(bytes: memory, for: "the Hessian terms of n = \(largest) sequences", remedy: "choose smaller --sizes or fewer --threads")
        ProgressLine.note("lens corollary: \(sizes.count) sizes up to n = \(largest), \(pool.length)-token training sequences and \(test.batch) test sequences of \(test.length) tokens, "
            + "\(steps) Lanczos steps per form; \(study.lanes) thread\(study.lanes == 1 ? "" : "s"), needs about "
            + Markdown.bytes(memory(study.lanes)))
        let progress = ProgressLine("Corollary 1 (single-sequence HVP-equivalents)")
        let corollary: CorollaryOne
        if let entries {
            corollary = try study.run(pairs: entries.map { entry in
                                          CorollaryStudy.ExistingPair(n: entry.n) { try CheckpointPair.load(pretrained: pretrained, finetuned: entry.finetuned) } },
                                      pool: pool, test: test) { progress.update($0, of: $1) }
        } else {
            corollary = try study.run(pretrained: start, pool: pool, test: test, sizes: sizes, fineTuning: settings) { progress.update($0, of: $1) }
        }
        progress.finish()
        try report(corollary)
    }

    /// The manifest's pairs on the PyTorch engine, any causal LM: a worker per pair, one after another.
    func runOnTorch() throws {
        guard let manifest else { throw ValidationError("--engine torch measures the pairs a --manifest lists (lens fine-tunes GPT-2 only)") }
        let entries = try CorollaryManifest.read(path: manifest).entries
        // The model's vocabulary, context and size, and the memory the forms need, from the first pair's worker (stopped after).
        func model() throws -> (limits: ModelDescription, parameters: Int, type: String, memory: Int) {
            let (first, memory) = try engine.torchForForms(pretrained: pretrained, finetuned: entries[0].finetuned, steps: steps, threading: threading)
            return (first.model, first.parameterCount, first.model.family, memory)
        }
        let first = try model()
        let (pool, test) = try data.load(for: first.limits)
        let largest = entries.last!.n
        guard largest <= pool.batch else {
            throw FileError(data.tokens, "the training split has \(pool.batch) sequences, fewer than the largest size n = \(largest)")
        }
        ProgressLine.note("lens corollary: \(entries.count) pairs up to n = \(largest) on the PyTorch worker (\(first.type), \(first.parameters) parameters), "
            + "\(test.batch) test sequences of \(test.length) tokens, \(steps) Lanczos steps per form; needs about \(Markdown.bytes(first.memory)) here")
        let study = CorollaryStudy(epsilon: theorem.eps, lossBound: theorem.lossBound, steps: steps, traceBudget: traceBudget, seed: seed)
        let progress = ProgressLine("Corollary 1 (single-sequence HVP-equivalents)")
        let corollary = try study.run(engines: entries.map { entry in
            CorollaryStudy.EnginePair(n: entry.n) {
                let torch = try engine.torch(pretrained: pretrained, finetuned: entry.finetuned)
                return (torch.direction, torch)
            }
        }, pool: pool, test: test) { progress.update($0, of: $1) }
        progress.finish()
        try report(corollary)
    }

    func report(_ corollary: CorollaryOne) throws {
        let provenance = "Produced by `\(Invocation.command("lens"))` (LensLLM toolkit); every number comes from this run."
        if let out = output.out { try CorollaryReport.write(corollary, provenance: provenance, to: out) }
        print(output.json ? CorollaryReport.json(corollary) : CorollaryReport.markdown(corollary, provenance: provenance), terminator: "")
    }
}
