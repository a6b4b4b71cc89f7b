import ArgumentParser
import Models
import Reports
import Theory

struct Corollary: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Corollary 1 across data sizes: fine-tune a pretrained checkpoint on n_1 < ... < n_k training samples (or read existing pairs from a manifest), measure each pair's h_i, losses and bound, fit h_i = C2 n^-beta2, derive beta3 and C3, and set them beside the measured gap's exponent.")

    @Option(help: "Pretrained checkpoint directory (config.json + model.safetensors).")
    var pretrained: String

    @OptionGroup var data: TrainTestTokens

    @Option(help: "Comma-separated training-set sizes n (ascending); pair n is fine-tuned on the first n training sequences.")
    var sizes = "8,16,32,64,128,256"

    @Option(help: "Instead of fine-tuning: a CSV `n,finetuned` of existing pairs (directories relative to the manifest); pair n was fine-tuned on the first n training sequences.")
    var manifest: String?

    @Option(help: "AdamW steps per size (the same budget at every n).")
    var finetuneSteps = 200

    @Option(help: "Instead of --finetune-steps: epochs per size, ceil(epochs n / batch) steps.")
    var epochs: Double?

    @Option(help: "Sequences per fine-tuning step.") var batch = 8
    @Option(name: .customLong("lr")) var learningRate = 1e-3
    @Option var weightDecay = 0.01
    @Flag(help: "Fine-tune in Float64 (default Float32, as PyTorch fine-tunes).") var float64 = false

    @Option(help: "epsilon of Theorem 2.")
    var eps = 0.1

    @Option(help: "C, a bound on one sample's loss (default: per size the largest per-sample loss observed; the corollary uses the largest).")
    var lossBound: Double?

    @Option(help: "Lanczos steps per Hessian form.")
    var steps = 60

    @Option(help: "Hessian-vector products per block trace (Hutch++; exact when the block is no larger).")
    var traceBudget = 30

    @Option(help: "Seed of the fine-tuning batch order and the trace probes.")
    var seed: UInt64 = 1

    @OptionGroup var output: ReportOutput

    func parsedSizes() throws -> [Int] {
        let parsed = sizes.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !parsed.isEmpty, parsed.allSatisfy({ ($0 ?? 0) >= 1 }) else { throw ValidationError("--sizes must list positive integers, e.g. 8,16,32") }
        let values = parsed.map { $0! }
        guard zip(values, values.dropFirst()).allSatisfy({ $0 < $1 }) else { throw ValidationError("--sizes must be strictly increasing") }
        return values
    }

    func validate() throws {
        if manifest == nil { _ = try parsedSizes() }
        guard eps >= 0 && eps.isFinite else { throw ValidationError("--eps must be a finite number >= 0") }
        if let lossBound, !(lossBound > 0 && lossBound.isFinite) { throw ValidationError("--loss-bound must be a finite C > 0") }
        guard steps >= 1, traceBudget >= 3 else { throw ValidationError("--steps must be at least 1 and --trace-budget at least 3") }
        guard finetuneSteps >= 1, batch >= 1, learningRate > 0 else { throw ValidationError("--finetune-steps, --batch and --lr must be positive") }
        if let epochs, !(epochs > 0 && epochs.isFinite) { throw ValidationError("--epochs must be positive") }
    }

    func run() throws {
        let start = try GPT2Parameters.load(directory: pretrained)
        let (pool, test) = try data.load(for: start.config)
        let study = CorollaryStudy(epsilon: eps, lossBound: lossBound, steps: steps, traceBudget: traceBudget, seed: seed)
        let list = try manifest.map { try CorollaryManifest.read(path: $0) }
        try list?.checkArchitectures(against: start.config, pretrained: pretrained)
        let entries = list?.entries
        let sizes = try entries?.map(\.n) ?? parsedSizes()
        if let largest = sizes.last, largest > pool.batch {
            throw ModelFileError(data.tokens, "the training split has \(pool.batch) sequences, fewer than the largest size n = \(largest)")
        }
        let largest = sizes.last!
        ProgressLine.note("lens corollary: \(sizes.count) sizes up to n = \(largest), \(test.batch) test sequences of \(pool.length) tokens, "
            + "\(steps) Lanczos steps per form; needs about "
            + Markdown.bytes(HessianTerms.memoryBytes(start.config, samples: largest, length: pool.length, steps: steps)))
        let progress = ProgressLine("Corollary 1 (single-sequence HVP-equivalents)")
        let corollary: CorollaryOne
        if let entries {
            corollary = try study.run(pairs: entries.map { entry in
                                          CorollaryStudy.ExistingPair(n: entry.n) { try CheckpointPair.load(pretrained: pretrained, finetuned: entry.finetuned) } },
                                      pool: pool, test: test) { progress.update($0, of: $1) }
        } else {
            let length: CorollaryStudy.Length = epochs.map { .epochs($0) } ?? .steps(finetuneSteps)
            let settings = CorollaryStudy.FineTuningSettings(length: length, batchSize: batch, learningRate: learningRate,
                                                             weightDecay: weightDecay, float64: float64)
            corollary = study.run(pretrained: start, pool: pool, test: test, sizes: sizes, fineTuning: settings) { progress.update($0, of: $1) }
        }
        progress.finish()
        let source = manifest.map { "--manifest \($0)" }
            ?? "--sizes \(sizes.map(String.init).joined(separator: ",")) " + (epochs.map { "--epochs \($0)" } ?? "--finetune-steps \(finetuneSteps)")
            + " --batch \(batch) --lr \(learningRate) --weight-decay \(weightDecay)" + (float64 ? " --float64" : "")
        let provenance = "Produced by `lens corollary --pretrained \(pretrained) --tokens \(data.tokens) \(source) --eps \(eps) --steps \(steps) "
            + "--trace-budget \(traceBudget) --seed \(seed)`" + (lossBound.map { " with --loss-bound \($0)" } ?? "")
            + " (LensLLM toolkit); every number comes from this run."
        if let out = output.out { try CorollaryReport.write(corollary, provenance: provenance, to: out) }
        print(output.json ? CorollaryReport.json(corollary) : CorollaryReport.markdown(corollary, provenance: provenance), terminator: "")
    }
}
