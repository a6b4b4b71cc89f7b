import _Files
import ArgumentParser
import Foundation
import Reports
import Models
import Theory

/// --pretrained and --finetuned: a checkpoint pair (`lens bound`, `lens hessian`).
struct CheckpointPairOptions: ParsableArguments {
    @Option(help: "Pretrained checkpoint directory (config.json + model.safetensors, or the shards of model.safetensors.index.json).")
    var pretrained: String

    @Option(help: "Fine-tuned checkpoint directory.")
    var finetuned: String

    func load() throws -> CheckpointPair { try CheckpointPair.load(pretrained: pretrained, finetuned: finetuned) }
}

/// Theorem 2's --eps and --loss-bound (`lens bound`, `lens corollary`).
struct TheoremTwoOptions: ParsableArguments {
    @Option(parsing: .unconditional, help: "epsilon of Theorem 2.")
    var eps = 0.1

    @Option(parsing: .unconditional, help: "C: the bound is for the loss clipped at C, min(loss, C), a bounded loss (default: 2 log V, twice a uniform guess's loss).")
    var lossBound: Double?

    func validate() throws {
        guard eps >= 0 && eps.isFinite else { throw ValidationError("--eps must be a finite number >= 0") }
        if let lossBound, !(lossBound > 0 && lossBound.isFinite) { throw ValidationError("--loss-bound must be a finite C > 0") }
    }
}

/// A GPT-2 shape for the speed measurements (`lens bench hvp`, `lens bench bound`), GPT-2 small's vocabulary
/// with four narrow layers by default.
struct GPT2ShapeOptions: ParsableArguments {
    @Option(parsing: .unconditional) var layers = 4
    @Option(parsing: .unconditional) var channels = 256
    @Option(parsing: .unconditional) var heads = 4
    @Option(parsing: .unconditional) var context = 128
    @Option(parsing: .unconditional) var vocabulary = 50257

    var config: GPT2Config { GPT2Config(layers: layers, channels: channels, heads: heads, maxPositions: context, vocabulary: vocabulary) }

    func validate() throws {
        guard layers >= 1, channels >= 1, heads >= 1, channels % heads == 0, context >= 2, vocabulary >= 2 else {
            throw ValidationError("sizes must be positive, --channels a multiple of --heads, --context and --vocabulary at least 2")
        }
    }

    /// Refuses `sequences` of the shape that the machine's memory cannot hold; `what` names them ("--batch 4 sequences").
    func requireMemory(sequences: Int, what: String) throws {
        try MachineMemory.require(config.estimatedBytes(sequences: sequences, length: context), for: "this GPT-2 on \(what)",
                                  remedy: "choose smaller sizes")
    }
}

/// --threads: samples' products run at once, each thread with its own workspace (`lens bound`, `lens corollary`,
/// `lens report --manifest`, `lens bench bound`).
struct ThreadOptions: ParsableArguments {
    @Option(parsing: .unconditional, help: "Threads measuring samples at once, each with its own workspace and memory; every number is the same whatever the count (default: every core, as far as memory allows).")
    var threads: Int?

    func validate() throws {
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
    }

    /// The thread count to run, given the bytes that many threads need.
    func resolve(bytes: (Int) -> Int, for what: String, remedy: String) throws -> Int {
        try MachineMemory.threads(requested: threads, bytes: { Double(bytes($0)) }, for: what, remedy: remedy)
    }
}

/// --engine and the torch engine's settings (`lens bound`).
struct EngineOptions: ParsableArguments {
    enum Choice: String, ExpressibleByArgument, CaseIterable {
        case native, torch
    }

    @Option(help: "native: the Swift GPT-2 engine, exact and deterministic (GPT-2 checkpoints); torch: any Hugging Face causal LM through the PyTorch worker (scripts/install-worker).")
    var engine: Choice = .native

    @Option(help: "torch: the Python that has the worker installed (default: $LENS_PYTHON, else python3).")
    var python: String?

    @Option(help: "torch: the device the worker computes on, cpu or cuda.")
    var device = "cpu"

    @Option(help: "torch: the dtype the worker computes in: float64 (certified intervals), float32 or bfloat16 (faster on GPUs; their round-off is not counted in the intervals, and the report says so).")
    var dtype = "float64"

    @Option(parsing: .unconditional, help: "torch: seconds the worker may take to answer one request (model loading included) before lens stops it.")
    var workerTimeout: Double = 3600

    func validate() throws {
        guard ["cpu", "cuda"].contains(device) else { throw ValidationError("--device must be cpu or cuda") }
        guard TorchEngine.dtypes.contains(dtype) else {
            throw ValidationError("--dtype \(dtype): the torch engine computes in \(TorchEngine.dtypes.joined(separator: ", "))")
        }
        guard workerTimeout > 0, workerTimeout.isFinite else { throw ValidationError("--worker-timeout must be a positive number of seconds") }
        if engine == .native && (python != nil || device != "cpu" || dtype != "float64") {
            throw ValidationError("--python, --device and --dtype are the torch engine's: add --engine torch")
        }
    }

    /// The worker's Python: `given`, else $LENS_PYTHON, else python3.
    static func python(_ given: String?) -> String {
        given ?? ProcessInfo.processInfo.environment["LENS_PYTHON"].flatMap { $0.isEmpty ? nil : $0 } ?? "python3"
    }

    /// The torch engine for Hessian forms of at most `steps` Lanczos steps, with the bytes it needs on this side:
    /// one worker serves it, so --threads is refused; the Lanczos basis over its largest block must fit the machine.
    func torchForForms(pretrained: String?, finetuned: String, steps: Int, threading: ThreadOptions) throws -> (engine: TorchEngine, memory: Int) {
        guard threading.threads == nil else {
            throw ValidationError("--threads is the native engine's; the torch engine runs one worker (LENS_TORCH_THREADS sets its threads)")
        }
        let torch = try torch(pretrained: pretrained, finetuned: finetuned)
        let memory = HessianTerms.memoryBytes(blocks: torch.blocks, steps: steps, lanes: 1)
        try MachineMemory.require(Double(memory), for: "the Lanczos bases of \(torch.parameterCount) parameters", remedy: "give fewer --steps")
        return (torch, memory)
    }

    /// The torch engine on a pair of Hugging Face folders.
    func torch(pretrained: String?, finetuned: String) throws -> TorchEngine {
        let python = Self.python(python)
        ProgressLine.note("lens: starting the PyTorch worker (\(python) -m lensllm.worker) and loading \([pretrained, finetuned].compactMap { $0 }.joined(separator: " and ")) on \(device)")
        return try TorchEngine.load(pretrained: pretrained, finetuned: finetuned, python: python, device: device, dtype: dtype, timeout: workerTimeout)
    }
}
