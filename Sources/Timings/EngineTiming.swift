import Foundation
import Hessian
import LinearAlgebra
import Models

/// `lens bench engines`: the two engines' block-restricted Hessian-vector products on the same model, one
/// sequence (what a per-sample form's Lanczos run applies), timed in one run: the native GPT-2 engine and
/// the PyTorch worker (transformers' GPT2LMHeadModel reading the same float64 safetensors).
///
/// Rounds interleave the engines and the best of each is kept. The worker's time includes the pipe (the
/// vector out and the product back) and its Python; PyTorch runs on `LENS_TORCH_THREADS` threads (default 1).
public struct EngineTiming: Sendable {
    public var config: GPT2Config
    public var seed: UInt64
    public var rounds: Int
    public var python: String

    public init(config: GPT2Config, seed: UInt64, rounds: Int, python: String) {
        (self.config, self.seed, self.rounds, self.python) = (config, seed, rounds, python)
    }

    public struct Result: Sendable {
        public var timing: EngineTiming
        public var parameters: Int
        /// Per block: seconds of one product on each engine, best of the rounds.
        public var blocks: [(block: String, native: Double, torch: Double)]
        /// The largest difference between the engines' products, relative to the native product's largest entry.
        public var agreement: Double
        /// Seconds to start the worker and load the model.
        public var torchStart: Double
    }

    /// `progress` is told (done, total) pairs of products.
    public func run(progress: ((_ done: Int, _ total: Int) -> Void)? = nil) throws(EngineError) -> Result {
        let parameters = GPT2Parameters.randomInitialization(config: config, seed: seed)
        let sequence = SyntheticCorpus(vocabulary: config.vocabulary, seed: seed).sample(.target, count: 1, length: config.maxPositions, streamSeed: seed)
        let directory = NSTemporaryDirectory() + "lens-bench-engines-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        do { try parameters.save(directory: directory, dtype: .f64) } catch { throw EngineError("\(directory): cannot write the bench model (\(error))") }

        var starting = Stopwatch()
        let torch = try starting.time { () throws(EngineError) in try TorchEngine.load(pretrained: directory, finetuned: directory, python: python) }
        let native = GPT2Engine(GPT2<Double>(parameters))
        let nativePoint = native.linearise(sequence, in: native.makeLane())
        let torchPoint = try torch.linearise(sequence, in: torch.makeLane())
        var rng = SeededGenerator(seed: seed)
        let x = (0..<parameters.count).map { _ in rng.normal() }
        var watches = [(Stopwatch, Stopwatch)](repeating: (Stopwatch(), Stopwatch()), count: native.blocks.count)
        var agreement = 0.0
        for round in 0..<rounds {
            for (b, block) in native.blocks.enumerated() {
                let xb = Array(x[block.range])
                let n = watches[b].0.time { BlockRestriction(nativePoint, block: block).apply(xb) }
                let t = watches[b].1.time { BlockRestriction(torchPoint, block: block).apply(xb) }
                try torchPoint.check()
                progress?(watches.count * round + b + 1, watches.count * rounds)
                let scale = n.map(abs).max() ?? 1
                agreement = max(agreement, zip(n, t).map { abs($0 - $1) }.max().map { $0 / max(scale, .leastNormalMagnitude) } ?? 0)
            }
        }
        return Result(timing: self, parameters: parameters.count,
                      blocks: zip(native.blocks, watches).map { ($0.name, $1.0.best, $1.1.best) }, agreement: agreement, torchStart: starting.best)
    }
}
