import ArgumentParser
import _Files
import Foundation
import Models

extension SyntheticCorpus.Task: ExpressibleByArgument {}

struct Corpus: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a seeded synthetic corpus (source or shifted target task) as tokens.json (train and test batches).")

    @Option(parsing: .unconditional) var vocabulary = 256
    @Option(parsing: .unconditional) var length = 32
    @Option(parsing: .unconditional, help: "Sequences in the train split (the test split gets a quarter as many, at least one).") var sequences = 64
    @Option(help: "source (pretraining) or target (fine-tuning).") var task: SyntheticCorpus.Task = .target
    @Option(parsing: .unconditional, help: "Fraction of tokens whose successors the target task re-draws.") var shift = 0.3
    @Option(parsing: .unconditional) var seed: UInt64 = 1
    @Option(help: "Output JSON file.") var out: String

    func validate() throws {
        guard vocabulary >= 4 else { throw ValidationError("--vocabulary must be at least 4 (each token has 4 successors)") }
        guard length >= 2 else { throw ValidationError("--length must be at least 2 (a sequence needs a next token to predict)") }
        guard sequences >= 1 else { throw ValidationError("--sequences must be at least 1") }
        guard (0...1).contains(shift) else { throw ValidationError("--shift must be a fraction in [0, 1]") }
        // The token ids (train and test) and their JSON text: at most 11 bytes of text per id as written,
        // and Foundation's serialisation holds each id as an object (about 48 bytes) first.
        try MachineMemory.require(1.25 * Double(sequences) * Double(length) * 64, for: "a corpus of \(sequences) sequences of \(length) tokens",
                                  remedy: "choose fewer --sequences or a shorter --length")
        try OutputPath.checkFile(out, option: "--out", kind: "token file", isOurs: TokenFile.isWrittenByLens)
    }

    func run() throws {
        let corpus = SyntheticCorpus(vocabulary: vocabulary, shift: shift, seed: seed)
        let (train, test) = corpus.splits(task, trainSequences: sequences, length: length)
        try TokenFile.writeJSON(["train": train, "test": test], path: out)
        print("wrote \(train.batch) train and \(test.batch) test sequences of \(length) tokens (\(task.rawValue) task, seed \(seed)) to \(out)")
    }
}

struct Initialise: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Write a GPT-2 at its initialisation (seeded, as Hugging Face initialises GPT-2) as safetensors + config.json: a start for `lens finetune`.")

    @Option(parsing: .unconditional) var layers = 2
    @Option(parsing: .unconditional) var channels = 32
    @Option(parsing: .unconditional) var heads = 4
    @Option(parsing: .unconditional, help: "n_positions, the longest sequence.") var positions = 32
    @Option(parsing: .unconditional) var vocabulary = 64
    @Option(parsing: .unconditional) var seed: UInt64 = 1
    @Option(help: "Output checkpoint directory.") var out: String

    func validate() throws {
        guard layers >= 1, heads >= 1, channels >= heads, channels % heads == 0 else {
            throw ValidationError("--channels must be a positive multiple of --heads, and --layers at least 1")
        }
        guard positions >= 2, vocabulary >= 2 else { throw ValidationError("--positions and --vocabulary must be at least 2") }
        let config = GPT2Config(layers: layers, channels: channels, heads: heads, maxPositions: positions, vocabulary: vocabulary)
        guard let count = config.checkedParameterCount else { throw ValidationError("the parameter count of these sizes overflows a 64-bit integer") }
        // The Float64 weights and the Float32 copy written to model.safetensors.
        try MachineMemory.require(12 * Double(count), for: "a GPT-2 of \(count) parameters", remedy: "choose smaller sizes")
        try OutputPath.checkDirectory(out, option: "--out")
    }

    func run() throws {
        let config = GPT2Config(layers: layers, channels: channels, heads: heads, maxPositions: positions, vocabulary: vocabulary)
        let parameters = GPT2Parameters.randomInitialization(config: config, seed: seed)
        try parameters.save(directory: out)
        print("wrote a GPT-2 of \(parameters.count) parameters (\(layers) layers, width \(channels), \(heads) heads, vocabulary \(vocabulary), seed \(seed)) to \(out)")
    }
}

struct FineTune: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "finetune",
        abstract: "Fine-tune a GPT-2 checkpoint with AdamW (weight decay 0.01 as the paper) and write the result as safetensors + config.json.")

    @Option(help: "Checkpoint directory to start from.") var from: String
    @Option(help: "Token data: a tokens.json-style file, or a flat uint16 file with --context.") var tokens: String
    @Option(help: "For JSON tokens: which split.") var split = "train"
    @Option(parsing: .unconditional, help: "For binary tokens: the sequence length.") var context: Int?
    @Option(parsing: .unconditional, help: "Sequences per step.") var batch = 4
    @Option(parsing: .unconditional) var steps = 20
    @Option(name: .customLong("lr"), parsing: .unconditional) var learningRate = 3e-3
    @Option(parsing: .unconditional) var weightDecay = 0.01
    @Option(parsing: .unconditional, help: "Seed of the batch order.") var seed: UInt64 = 1
    @Flag(help: "Compute in Float64 (default Float32, as PyTorch fine-tunes).") var float64 = false
    @Option(help: "Output checkpoint directory.") var out: String

    func validate() throws {
        guard batch >= 1, steps >= 1 else { throw ValidationError("--batch and --steps must be at least 1") }
        guard learningRate > 0 && learningRate.isFinite else { throw ValidationError("--lr must be a finite learning rate > 0") }
        guard weightDecay >= 0 && weightDecay.isFinite else { throw ValidationError("--weight-decay must be a finite number >= 0") }
        if let context, context < 2 { throw ValidationError("--context must be at least 2") }
        try OutputPath.checkDirectory(out, option: "--out")
    }

    func run() throws {
        let start = try GPT2Parameters.load(directory: from)
        let data = try TokenFile.read(path: tokens, split: split, context: context, for: ModelDescription(start.config))
        let result = FineTuning(steps: steps, batchSize: batch, learningRate: learningRate, weightDecay: weightDecay,
                                seed: seed, float64: float64).run(from: start, data: data)
        // A run that diverged is not a fine-tuned checkpoint: say so and write nothing.
        if let why = result.divergence {
            throw RunError("fine-tuning diverged: \(why) (lr \(learningRate), weight decay \(weightDecay)); nothing was written to \(out)")
        }
        try result.parameters.save(directory: out)
        print(String(format: "%ld AdamW steps (lr %g, weight decay %g, batch %ld, seed %llu): loss %.4f -> %.4f; wrote %@",
                     steps, learningRate, weightDecay, result.batchSize, seed, result.losses.first ?? .nan,
                     result.losses.last ?? .nan, out))
    }
}
