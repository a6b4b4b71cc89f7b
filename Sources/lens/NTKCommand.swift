import _Files
import ArgumentParser
import Models
import Reports
import Theory

struct NTK: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ntk",
        abstract: "The empirical tangent kernel of a checkpoint on probe sequences (eq. 8) and the LensLLM offset F(Theta, t) (eq. 9), with the element-wise exponential beside it for comparison.")

    @Option(help: "Checkpoint directory (config.json + model.safetensors).")
    var checkpoint: String

    @OptionGroup var data: BatchTokens

    @Option(parsing: .unconditional, help: "Use only the first m sequences.")
    var sequences: Int?

    @Option(parsing: .unconditional, help: "eta: the fine-tuning learning rate (the released LensLLM code uses 0.01).")
    var lr: Double

    @Option(parsing: .unconditional, help: "t: the fine-tuning steps.")
    var steps: Double

    @OptionGroup var output: ReportOutput

    func validate() throws {
        guard lr > 0 && lr.isFinite else { throw ValidationError("--lr must be a finite eta > 0") }
        guard steps >= 0 && steps.isFinite else { throw ValidationError("--steps must be a finite t >= 0") }
        if let sequences, sequences < 1 { throw ValidationError("--sequences must be at least 1") }
    }

    func run() throws {
        let parameters = try GPT2Parameters.load(directory: checkpoint)
        let config = parameters.config
        var probes = try data.load(for: config)
        if let sequences, sequences < probes.batch { probes = probes.prefix(sequences) }
        // The per-sequence gradients (m P doubles), the kernel (m^2) and its eigenvectors (m^2).
        let (m, p) = (Double(probes.batch), Double(parameters.values.count))
        try MachineMemory.require(8 * (m * p + 2 * m * m), for: "the tangent kernel of \(probes.batch) sequences",
                                  remedy: "give --sequences M to use the first M")
        ProgressLine.note("lens ntk: \(probes.batch) sequences of \(probes.length) tokens, \(parameters.values.count) parameters; "
            + "the per-sequence gradients take \(Markdown.bytes(NeuralTangentKernel.memoryBytes(parameters: parameters.values.count, sequences: probes.batch)))")
        let progress = ProgressLine("tangent kernel (sequences)")
        let kernel = NeuralTangentKernel(model: GPT2<Double>(parameters), probes: probes, progress: progress.update)
        progress.finish()
        guard let offset = TangentKernelOffset(kernel: kernel) else {
            throw RunError("\(checkpoint): the tangent kernel is not a finite positive semi-definite matrix (non-finite weights?)")
        }
        let summary = TangentKernelSummary(checkpoint: checkpoint, parameters: parameters.values.count, kernel: kernel, offset: offset,
                                           rate: lr, steps: steps)
        let provenance = "Produced by `\(Invocation.command("lens"))` (LensLLM toolkit)."
        if let out = output.out { try TangentKernelReport.write(summary, provenance: provenance, to: out) }
        print(output.json ? TangentKernelReport.json(summary) : TangentKernelReport.markdown(summary, provenance: provenance), terminator: "")
    }
}
