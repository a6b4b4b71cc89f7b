import _Files
import Foundation
import Models

/// Candidates fine-tuned elsewhere, for `lens report --manifest`: a JSON file (paths relative to its
/// own folder unless absolute) that `lens demo` also writes for its own candidates.
///
///     {
///       "tokens": "tokens.json",            // splits "train" (pair n: its first n sequences) and "test"
///       "learning_rate": 0.001,             // η of the fine-tuning runs (the tangent kernel's F)
///       "budgets": [128, 256],              // selection sees the sizes up to each; the truth is the largest
///       "measurement": {"epsilon": 0.1, "lanczos_steps": 12, "trace_budget": 3, "probes": 32,
///                       "density_probes": 3, "density_steps": 30, "density_sequences": 16, "seed": 7},
///       "candidates": [
///         {"name": "gpt2-small", "pretrained": "gpt2-small/pretrained",
///          "finetuned": [{"n": 1, "checkpoint": "gpt2-small/n1", "steps": 4, "batch_size": 1,
///                         "first_loss": 3.49, "last_loss": 3.41}, ...]}, ...]
///     }
///
/// Every candidate lists the same sizes n, increasing; `steps` and `batch_size` say how each pair was
/// fine-tuned (its compute, and the kernel's t at the largest n); `first_loss` and `last_loss`, the
/// loss on the first and last step's batch, are optional.
public struct CandidateManifest: Codable, Sendable {
    public var tokens: String
    public var learningRate: Double
    public var budgets: [Int]
    public var measurement: Measurement
    public var candidates: [Candidate]

    public struct Measurement: Codable, Sendable {
        public var epsilon: Double
        public var lanczosSteps: Int
        public var traceBudget: Int
        public var probes: Int
        public var densityProbes: Int
        public var densitySteps: Int
        public var densitySequences: Int
        public var seed: UInt64
    }

    public struct Candidate: Codable, Sendable {
        public var name: String
        public var pretrained: String
        public var finetuned: [FineTuned]
    }

    public struct FineTuned: Codable, Sendable {
        public var n: Int
        public var checkpoint: String
        public var steps: Int
        public var batchSize: Int
        public var firstLoss: Double?
        public var lastLoss: Double?

        /// The run in brief, as a checkpoint carries it.
        var summary: DataSizeCheckpoint.FineTuningSummary {
            DataSizeCheckpoint.FineTuningSummary(steps: steps, batchSize: batchSize, firstLoss: firstLoss ?? .nan, lastLoss: lastLoss ?? .nan)
        }
    }

    /// The sizes every candidate lists.
    public var sizes: [Int] { candidates[0].finetuned.map(\.n) }

    /// The study that measures the listed checkpoints as the demo measures its own.
    public var study: CandidateStudy {
        let m = measurement
        return CandidateStudy(measurement: CorollaryStudy(epsilon: m.epsilon, lossBound: nil, steps: m.lanczosSteps, traceBudget: m.traceBudget, seed: m.seed),
                              fineTuning: .init(length: .steps(1), batchSize: 1, learningRate: learningRate, weightDecay: 0, float64: false),
                              sizes: sizes, probes: m.probes, densityProbes: m.densityProbes, densitySteps: m.densitySteps,
                              densitySequences: m.densitySequences)
    }

    /// Candidate `c`'s pairs, to be loaded when measured.
    public func pairs(_ c: Candidate) -> [CorollaryStudy.ExistingPair] {
        c.finetuned.map { entry in
            CorollaryStudy.ExistingPair(n: entry.n, fineTuning: entry.summary) { try CheckpointPair.load(pretrained: c.pretrained, finetuned: entry.checkpoint) }
        }
    }

    /// Candidate `c`'s pairs on another engine, each made by `load(pretrained, fine-tuned)` when measured.
    public func pairs<Engine: ModelEngine>(_ c: Candidate, load: @escaping (_ pretrained: String, _ finetuned: String) throws -> (direction: [Double], engine: Engine))
        -> [CorollaryStudy.EnginePair<Engine>] {
        c.finetuned.map { entry in CorollaryStudy.EnginePair(n: entry.n, fineTuning: entry.summary) { try load(c.pretrained, entry.checkpoint) } }
    }

    /// Reads and checks a manifest; relative paths become relative to its folder.
    /// - Throws: `FileError` naming the file and the field: not JSON, a missing or mistyped field,
    ///   fewer than two candidates, sizes not increasing or not the same for all, a budget that is not
    ///   a listed size below the largest, a measurement setting out of range.
    public static func read(path: String) throws(FileError) -> CandidateManifest {
        try decode(fileContents(path), path: path)
    }

    /// The bytes of a manifest (`read(path:)`); `path` names it in errors and anchors relative paths.
    public static func decode(_ data: Data, path: String) throws(FileError) -> CandidateManifest {
        var manifest = try JSON.decode(CandidateManifest.self, from: data, path: path, kind: "a candidate manifest", snakeCase: true,
                                           realKeys: ["epsilon", "learning_rate", "first_loss", "last_loss"])
        func fail(_ message: String) -> FileError { FileError(path, message) }
        guard manifest.candidates.count >= 2 else { throw fail("\"candidates\" lists \(manifest.candidates.count); selection needs at least two") }
        let sizes = manifest.sizes
        guard !sizes.isEmpty, sizes[0] >= 1, zip(sizes, sizes.dropFirst()).allSatisfy({ $0 < $1 }) else {
            throw fail("candidates[0].finetuned: the sizes n must be positive and increasing, found \(sizes)")
        }
        for (i, c) in manifest.candidates.enumerated() where c.finetuned.map(\.n) != sizes {
            throw fail("candidates[\(i)] (\(c.name)) lists n = \(c.finetuned.map(\.n)); every candidate must list the same sizes, \(sizes)")
        }
        if let i = manifest.candidates.indices.first(where: { i in manifest.candidates[..<i].contains { $0.name == manifest.candidates[i].name } }) {
            throw fail("candidates[\(i)]: the name \"\(manifest.candidates[i].name)\" is used twice")
        }
        // Counts are at most 2^31, as a config's sizes: larger ones describe no run that happened.
        let most = 1 << 31
        for (i, c) in manifest.candidates.enumerated() {
            for (j, entry) in c.finetuned.enumerated() where !(1...most).contains(entry.steps) || !(1...most).contains(entry.batchSize) {
                throw fail("candidates[\(i)].finetuned[\(j)]: steps and batch_size must be between 1 and 2^31, found \(entry.steps) and \(entry.batchSize)")
            }
            if let entry = c.finetuned.first(where: { $0.n > most }) { throw fail("candidates[\(i)]: n = \(entry.n) is above 2^31") }
        }
        guard !manifest.budgets.isEmpty, manifest.budgets.allSatisfy({ sizes.contains($0) && $0 < sizes.last! }) else {
            throw fail("\"budgets\" must list sizes among \(sizes) below the largest, found \(manifest.budgets)")
        }
        guard zip(manifest.budgets, manifest.budgets.dropFirst()).allSatisfy({ $0 < $1 }) else {
            throw fail("\"budgets\" must be increasing, each size once, found \(manifest.budgets)")
        }
        guard manifest.learningRate > 0 && manifest.learningRate.isFinite else { throw fail("\"learning_rate\" must be a finite eta > 0") }
        let m = manifest.measurement
        guard m.epsilon >= 0 && m.epsilon.isFinite, (1...most).contains(m.lanczosSteps), (3...most).contains(m.traceBudget), (1...most).contains(m.probes),
              (1...most).contains(m.densityProbes), (1...most).contains(m.densitySteps), (1...most).contains(m.densitySequences) else {
            throw fail("\"measurement\": expected epsilon >= 0, lanczos_steps >= 1, trace_budget >= 3 and probes, density_probes, density_steps, "
                       + "density_sequences >= 1, each count at most 2^31")
        }
        let base = URL(fileURLWithPath: path).deletingLastPathComponent()
        func resolve(_ p: String) -> String { p.hasPrefix("/") ? p : base.appendingPathComponent(p).path }
        manifest.tokens = resolve(manifest.tokens)
        for i in manifest.candidates.indices {
            manifest.candidates[i].pretrained = resolve(manifest.candidates[i].pretrained)
            for j in manifest.candidates[i].finetuned.indices {
                manifest.candidates[i].finetuned[j].checkpoint = resolve(manifest.candidates[i].finetuned[j].checkpoint)
            }
        }
        return manifest
    }

    /// Each candidate's architecture, from its pretrained `config.json`, with every listed fine-tuned
    /// checkpoint's `config.json` checked against it (not the weights): a bad entry fails before any
    /// long work.
    public func architectures() throws(FileError) -> [GPT2Config] {
        var configs: [GPT2Config] = []
        for candidate in candidates {
            let config = try GPT2Config.read(path: "\(candidate.pretrained)/config.json")
            for entry in candidate.finetuned { try CheckpointPair.checkArchitecture(of: entry.checkpoint, is: config, pretrained: candidate.pretrained) }
            configs.append(config)
        }
        return configs
    }

    /// The token file's train and test splits for each architecture (read once per vocabulary and context),
    /// checked against it and against the manifest: the train split must hold the largest n and the probes.
    public func splits(for models: [ModelDescription]) throws(FileError) -> [(pool: TokenBatch, test: TokenBatch)] {
        var read: [ModelDescription: (pool: TokenBatch, test: TokenBatch)] = [:]
        let needed = max(sizes.last!, measurement.probes)
        var splits: [(pool: TokenBatch, test: TokenBatch)] = []
        for model in models {
            if read[model] == nil {
                read[model] = (try TokenFile.read(path: tokens, split: "train", for: model), try TokenFile.read(path: tokens, split: "test", for: model))
            }
            let (pool, test) = read[model]!
            guard pool.batch >= needed else {
                throw FileError(tokens, "the train split has \(pool.batch) sequences; the manifest needs \(needed) (its largest n and its probes)")
            }
            splits.append((pool, test))
        }
        return splits
    }

    /// The manifest as JSON (paths as they are held), for `lens demo` to write.
    public func json() -> String {
        JSON.encode(self, snakeCase: true)
    }
}
