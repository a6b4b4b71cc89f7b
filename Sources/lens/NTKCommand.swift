import _Files
import ArgumentParser
import Models
import Reports
import Theory

struct NTK: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ntk",
        abstract: "The empirical tangent kernel of a checkpoint on probe sequences (eq. 8) and the LensLLM offset F(Theta, t) (eq. 9), with the element-wise exponential beside it for comparison.")

    @Option(help: "Checkpoint directory (config.json + model.safetensors, or the shards of model.safetensors.index.json).")
    var checkpoint: String

    @OptionGroup var data: BatchTokens

    @Option(parsing: .unconditional, help: "Use only the first m sequences.")
    var sequences: Int?

    @Option(parsing: .unconditional, help: "eta: the fine-tuning learning rate (the released LensLLM code uses 0.01).")
    var lr: Double

    @Option(parsing: .unconditional, help: "t: the fine-tuning steps.")
    var steps: Double

    @OptionGroup var engine: EngineOptions

    @OptionGroup var output: ReportOutput

    func validate() throws {
        guard lr > 0 && lr.isFinite else { throw ValidationError("--lr must be a finite eta > 0") }
        guard steps >= 0 && steps.isFinite else { throw ValidationError("--steps must be a finite t >= 0") }
        if let sequences, sequences < 1 { throw ValidationError("--sequences must be at least 1") }
    }

    func run() throws {
        switch engine.engine {
        case .native:
            let parameters = try GPT2Parameters.load(directory: checkpoint)
            try measure(GPT2Engine(GPT2<Double>(parameters)), limits: ModelDescription(parameters.config))
        case .torch:
            let torch = try engine.torch(pretrained: nil, finetuned: checkpoint)
            try measure(torch, limits: torch.model)
        }
    }

    func measure<Engine: ModelEngine>(_ model: Engine, limits: ModelDescription) throws {
        var probes = try data.load(for: limits)
        if let sequences, sequences < probes.batch { probes = probes.prefix(sequences) }
        // The per-sequence gradients (m P doubles), the kernel (m^2) and its eigenvectors (m^2).
        let (m, p) = (Double(probes.batch), Double(model.parameterCount))
        try MachineMemory.require(8 * (m * p + 2 * m * m), for: "the tangent kernel of \(probes.batch) sequences",
                                  remedy: "give --sequences M to use the first M")
        ProgressLine.note("lens ntk: \(probes.batch) sequences of \(probes.length) tokens, \(model.parameterCount) parameters; "
            + "the per-sequence gradients take \(Markdown.bytes(NeuralTangentKernel.memoryBytes(parameters: model.parameterCount, sequences: probes.batch)))")
        let progress = ProgressLine("tangent kernel (sequences)")
        let kernel = try NeuralTangentKernel(engine: model, probes: probes, progress: progress.update)
        progress.finish()
        guard let offset = TangentKernelOffset(kernel: kernel) else {
            throw RunError("\(checkpoint): the tangent kernel is not a finite positive semi-definite matrix (non-finite weights?)")
        }
        let summary = TangentKernelSummary(checkpoint: checkpoint, parameters: model.parameterCount, kernel: kernel, offset: offset,
                                           rate: lr, steps: steps)
        let provenance = "Produced by `\(Invocation.command("lens"))` (LensLLM toolkit)."
        if let out = output.out { try TangentKernelReport.write(summary, provenance: provenance, to: out) }
        print(output.json ? TangentKernelReport.json(summary) : TangentKernelReport.markdown(summary, provenance: provenance), terminator: "")
    }
}
