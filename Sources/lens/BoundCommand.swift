import _Files
import ArgumentParser
import Models
import Reports
import Theory

struct Bound: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "The generalization bound of Theorem 2 for a checkpoint pair: per-block Hessian terms h_i as the maximum over probe samples of the data distribution (default: the test split; the training samples' maximum beside it), the bound, and its tightness against the test loss.")

    @OptionGroup var checkpoints: CheckpointPairOptions

    @OptionGroup var data: TrainTestTokens

    @OptionGroup var probeData: ProbeTokens

    @Option(parsing: .unconditional, help: "The number of training samples n the bound counts (default: the training sequences given).")
    var n: Int?

    @OptionGroup var theorem: TheoremTwoOptions

    @Option(parsing: .unconditional, help: "The most Lanczos steps a Hessian form may take (with --rtol 0, the steps every form takes).")
    var steps = HessianTerms.defaultSteps

    @Option(parsing: .unconditional, help: "Stop each form once its certified interval's width is at most this fraction of its lower end, so that its upper end lies within it of the form; 0: run every form to --steps.")
    var rtol = HessianTerms.defaultTolerance

    @Flag(help: "Run every sample briefly first and refine only the largest upper ends (it pays only where samples' forms differ by more than their certificates' width).")
    var screening = false

    @OptionGroup var output: ReportOutput

    func validate() throws {
        if let n, n < 1 { throw ValidationError("--n must be at least 1") }
        guard steps >= 1 else { throw ValidationError("--steps must be at least 1") }
        guard rtol >= 0 && rtol.isFinite else { throw ValidationError("--rtol must be a finite number >= 0") }
    }

    func run() throws {
        let pair = try checkpoints.load()
        let config = pair.finetuned.config
        let (train, test) = try data.load(for: config)
        let probes = try probeData.load(data, for: config)
        let probeBatch = probes?.batch ?? test
        let memory = HessianTerms.memoryBytes(config, samples: max(train.batch, probeBatch.batch), length: max(train.length, probeBatch.length), steps: steps)
        try MachineMemory.require(Double(memory), for: "the Hessian terms of \(max(train.batch, probeBatch.batch)) sequences",
                                  remedy: "give fewer training or probe sequences")
        ProgressLine.note("lens bound: \(train.batch) training sequences of \(train.length) tokens and \(test.batch) test sequences of \(test.length); "
            + "h_i over \(probeBatch.batch) probe sequences (\(probes?.source ?? "the test split")), the training samples' maximum beside it; "
            + (rtol > 0 ? "each form to a relative width of \(rtol), at most \(steps) Lanczos steps" : "\(steps) Lanczos steps per form") + "; needs about \(Markdown.bytes(memory))")
        let progress = ProgressLine("Hessian terms (forms)")
        let bound = GeneralizationBound.evaluate(pair, train: train, test: test, probes: probes?.batch, probeSource: probes?.source ?? "the test split",
                                                 compareTraining: true, n: n, epsilon: theorem.eps, lossBound: theorem.lossBound, steps: steps, tolerance: rtol,
                                                 screening: screening) {
            progress.update($0, of: $1)
        }
        progress.finish()
        let provenance = "Produced by `\(Invocation.command("lens"))` (LensLLM toolkit); every number comes from this run."
        if let out = output.out { try BoundReport.write(bound, provenance: provenance, to: out) }
        print(output.json ? BoundReport.json(bound) : BoundReport.markdown(bound, provenance: provenance), terminator: "")
    }
}
