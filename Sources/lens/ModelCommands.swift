import ArgumentParser
import _Files
import Foundation
import LinearAlgebra
import Models

struct Corpus: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a seeded synthetic corpus (source or shifted target task) as tokens.json (train and test batches).")

    @Option var vocabulary = 256
    @Option var length = 32
    @Option(help: "Sequences in the train split (the test split gets a quarter as many).") var sequences = 64
    @Option(help: "source (pretraining) or target (fine-tuning).") var task = "target"
    @Option(help: "Fraction of tokens whose successors the target task re-draws.") var shift = 0.3
    @Option var seed: UInt64 = 1
    @Option(help: "Output JSON file.") var out: String

    func run() throws {
        guard let t = SyntheticCorpus.Task(rawValue: task) else { throw ValidationError("--task must be source or target") }
        let corpus = SyntheticCorpus(vocabulary: vocabulary, shift: shift, seed: seed)
        func rows(_ b: TokenBatch) -> [[Int]] { (0..<b.batch).map { i in b.tokens[(i * b.length)..<((i + 1) * b.length)].map { Int($0) } } }
        let json: [String: Any] = ["train": rows(corpus.sample(t, count: sequences, length: length, streamSeed: 1)),
                                   "test": rows(corpus.sample(t, count: max(1, sequences / 4), length: length, streamSeed: 2))]
        let data = try JSONSerialization.data(withJSONObject: json, options: [.sortedKeys])
        try AtomicFile.write(data, to: out)
        print("wrote \(sequences) train and \(max(1, sequences / 4)) test sequences of \(length) tokens (\(task) task, seed \(seed)) to \(out)")
    }
}

struct FineTune: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "finetune",
        abstract: "Fine-tune a GPT-2 checkpoint with AdamW (weight decay 0.01 as the paper) and write the result as safetensors + config.json.")

    @Option(help: "Checkpoint directory to start from.") var from: String
    @Option(help: "Token data: a tokens.json-style file, or a flat uint16 file with --context.") var tokens: String
    @Option(help: "For JSON tokens: which split.") var split = "train"
    @Option(help: "For binary tokens: the sequence length.") var context: Int?
    @Option(help: "Sequences per step.") var batch = 4
    @Option var steps = 20
    @Option(name: .customLong("lr")) var learningRate = 3e-3
    @Option var weightDecay = 0.01
    @Option(help: "Seed of the batch order.") var seed: UInt64 = 1
    @Flag(help: "Compute in Float64 (default Float32, as PyTorch fine-tunes).") var float64 = false
    @Option(help: "Output checkpoint directory.") var out: String

    func run() throws {
        let start = try GPT2Parameters.load(directory: from)
        let data = try context.map { try TokenFile.readBinary(path: tokens, context: $0, vocabulary: start.config.vocabulary) }
            ?? TokenFile.read(path: tokens, split: split, vocabulary: start.config.vocabulary)
        var rng = SeededGenerator(seed: seed)
        let perStep = min(batch, data.batch)
        let batches = (0..<steps).map { _ in
            TokenBatch(sequences: (0..<perStep).map { _ in
                let i = Int(rng.next() % UInt64(data.batch))
                return data.tokens[(i * data.length)..<((i + 1) * data.length)].map { Int($0) }
            })
        }
        var optimizer = AdamW(learningRate: learningRate, weightDecay: weightDecay)
        let (losses, result): ([Double], GPT2Parameters)
        if float64 {
            var model = GPT2<Double>(start)
            losses = model.fineTune(on: batches, optimizer: &optimizer)
            result = model.parameters()
        } else {
            var model = GPT2<Float>(start)
            losses = model.fineTune(on: batches, optimizer: &optimizer).map { Double($0) }
            result = model.parameters()
        }
        try result.save(directory: out)
        print(String(format: "%d AdamW steps (lr %g, weight decay %g, batch %d, seed %llu): loss %.4f -> %.4f; wrote %@",
                     steps, learningRate, weightDecay, perStep, seed, losses.first ?? .nan, losses.last ?? .nan, out))
    }
}
