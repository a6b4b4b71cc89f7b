import Foundation
import Models

/// How a Corollary 1 study measures its checkpoints and, when it makes them, fine-tunes them.
///
/// The pair at size n is the pretrained checkpoint fine-tuned on the first n sequences of a training
/// pool (so the sets are nested and the sizes differ only in the data added), measured on those n
/// sequences and on one test batch shared by all sizes (`DataSizeCheckpoint`).
public struct CorollaryStudy: Sendable {
    public var epsilon: Double
    /// C, the losses are clipped at; nil: 2 log V (`GeneralizationBound.defaultLossBound`).
    public var lossBound: Double?
    /// Lanczos steps per Hessian form.
    public var steps: Int
    /// Products per block trace.
    public var traceBudget: Int
    /// Seeds the fine-tuning batch order and the trace probes.
    public var seed: UInt64
    /// Threads measuring the probes' forms at once (`GPT2Engine`'s lanes); the numbers do not depend on it.
    public var lanes: Int

    public init(epsilon: Double, lossBound: Double?, steps: Int, traceBudget: Int, seed: UInt64, lanes: Int = 1) {
        (self.epsilon, self.lossBound, self.steps, self.traceBudget, self.seed, self.lanes) = (epsilon, lossBound, steps, traceBudget, seed, lanes)
    }

    /// How long each size is fine-tuned.
    public enum Length: Sendable, Equatable {
        /// The same number of AdamW steps at every n: the same optimisation budget, only the data differ.
        case steps(Int)
        /// ⌈epochs · n / batch⌉ steps: every sample seen about equally often at every n.
        case epochs(Double)

        public func steps(n: Int, batchSize: Int) -> Int {
            switch self {
            case .steps(let s): s
            case .epochs(let e): max(1, Int((e * Double(n) / Double(min(batchSize, n))).rounded(.up)))
            }
        }
    }

    /// The fine-tuning settings (as `lens finetune`'s) other than the length.
    public struct FineTuningSettings: Sendable {
        public var length: Length
        public var batchSize: Int
        public var learningRate: Double
        public var weightDecay: Double
        public var float64: Bool
        public init(length: Length, batchSize: Int, learningRate: Double, weightDecay: Double, float64: Bool) {
            (self.length, self.batchSize, self.learningRate, self.weightDecay, self.float64) = (length, batchSize, learningRate, weightDecay, float64)
        }
    }

    /// Fine-tunes `pretrained` on the first n sequences of `pool` for each n of `sizes` (ascending,
    /// at most the pool) and measures every pair. `progress` is told the work done and in all, in
    /// single-sequence HVP-equivalents (a fine-tuning step on b sequences counts as b: a gradient costs
    /// about a third of an HVP, Float32 about half of Float64). `keep` is given each fine-tuned
    /// checkpoint with its n, for a caller that saves or measures them further.
    /// - Complexity: Σₙ `DataSizeCheckpoint.cost` plus the fine-tuning steps.
    public func run(pretrained: GPT2Parameters, pool: TokenBatch, test: TokenBatch, sizes: [Int], fineTuning settings: FineTuningSettings,
                    progress: ((_ done: Int, _ total: Int) -> Void)? = nil,
                    keep: ((_ n: Int, _ finetuned: GPT2Parameters) -> Void)? = nil) throws(DivergedFineTuning) -> CorollaryOne {
        precondition(!sizes.isEmpty && sizes.allSatisfy { (1...pool.batch).contains($0) }, "sizes within the pool")
        let blocks = pretrained.layout.blocks.count
        let costs = sizes.map { n in
            (fineTuning: settings.length.steps(n: n, batchSize: settings.batchSize) * min(settings.batchSize, n),
             measurement: DataSizeCheckpoint.cost(n: n, probes: test.batch, blocks: blocks, steps: steps, traceBudget: traceBudget))
        }
        let total = costs.reduce(0) { $0 + $1.fineTuning + $1.measurement }
        var before = 0
        var checkpoints: [DataSizeCheckpoint] = []
        for k in sizes.indices {
            let n = sizes[k], train = pool.prefix(n)
            let run = FineTuning(steps: settings.length.steps(n: n, batchSize: settings.batchSize), batchSize: settings.batchSize,
                                 learningRate: settings.learningRate, weightDecay: settings.weightDecay, seed: seed, float64: settings.float64)
                .run(from: pretrained, data: train)
            if let why = run.divergence { throw DivergedFineTuning(n: n, reason: why, settings: settings) }
            keep?(n, run.parameters)
            before += costs[k].fineTuning
            progress?(before, total)
            let summary = DataSizeCheckpoint.FineTuningSummary(steps: run.losses.count, batchSize: run.batchSize,
                                                               firstLoss: run.losses.first ?? .nan, lastLoss: run.losses.last ?? .nan)
            let checkpoint = measure(CheckpointPair(pretrained: pretrained, finetuned: run.parameters), train: train, test: test,
                                     fineTuning: summary) { done, _ in progress?(before + done, total) }
            before += costs[k].measurement
            checkpoints.append(checkpoint)
        }
        return CorollaryOne(checkpoints: checkpoints)
    }

    /// A fine-tuning run of the study that diverged (`FineTuning.Result.divergence`): nothing of it is measured.
    public struct DivergedFineTuning: Error, CustomStringConvertible {
        public var n: Int
        public var reason: String
        public var settings: FineTuningSettings
        public var description: String {
            "fine-tuning on n = \(n) diverged: \(reason) (batch \(settings.batchSize), learning rate \(settings.learningRate), "
                + "weight decay \(settings.weightDecay)); nothing was measured or written"
        }
    }

    /// An existing pair: the n it was fine-tuned on (its training samples are the first n sequences of
    /// the pool), how it was fine-tuned when known, and how to load it (called when its turn comes).
    public struct ExistingPair {
        public var n: Int
        public var fineTuning: DataSizeCheckpoint.FineTuningSummary?
        public var load: () throws -> CheckpointPair
        public init(n: Int, fineTuning: DataSizeCheckpoint.FineTuningSummary? = nil, load: @escaping () throws -> CheckpointPair) {
            (self.n, self.fineTuning, self.load) = (n, fineTuning, load)
        }
    }

    /// Measures existing pairs; `keep` is given each fine-tuned checkpoint with its n.
    public func run(pairs: [ExistingPair], pool: TokenBatch, test: TokenBatch,
                    progress: ((_ done: Int, _ total: Int) -> Void)? = nil,
                    keep: ((_ n: Int, _ finetuned: GPT2Parameters) -> Void)? = nil) throws -> CorollaryOne {
        try run(engines: pairs.map { entry in
            EnginePair(n: entry.n, fineTuning: entry.fineTuning) {
                let pair = try entry.load()
                keep?(entry.n, pair.finetuned)
                return (pair.direction, pair.engine(concurrency: lanes))
            }
        }, pool: pool, test: test, progress: progress)
    }

    /// An existing pair on any engine: its n, and how to load it, as v and the engine holding the fine-tuned model.
    public struct EnginePair<Engine: ModelEngine> {
        public var n: Int
        public var fineTuning: DataSizeCheckpoint.FineTuningSummary?
        public var load: () throws -> (direction: [Double], engine: Engine)
        public init(n: Int, fineTuning: DataSizeCheckpoint.FineTuningSummary? = nil, load: @escaping () throws -> (direction: [Double], engine: Engine)) {
            (self.n, self.fineTuning, self.load) = (n, fineTuning, load)
        }
    }

    /// Measures existing pairs on their engine, one after another (each loaded when its turn comes).
    public func run<Engine: ModelEngine>(engines pairs: [EnginePair<Engine>], pool: TokenBatch, test: TokenBatch,
                                         progress: ((_ done: Int, _ total: Int) -> Void)? = nil) throws -> CorollaryOne {
        precondition(!pairs.isEmpty && pairs.allSatisfy { (1...pool.batch).contains($0.n) }, "sizes within the pool")
        var before = 0, checkpoints: [DataSizeCheckpoint] = [], costs: [Int] = []
        for entry in pairs {
            let (direction, engine) = try entry.load()
            // The blocks are known once a pair is loaded (every pair has the same architecture).
            if costs.isEmpty {
                costs = pairs.map { DataSizeCheckpoint.cost(n: $0.n, probes: test.batch, blocks: engine.blocks.count, steps: steps, traceBudget: traceBudget) }
            }
            let total = costs.reduce(0, +)
            checkpoints.append(try DataSizeCheckpoint.measure(direction: direction, engine: engine, train: pool.prefix(entry.n), test: test, epsilon: epsilon,
                                                              lossBound: lossBound, steps: steps, traceBudget: traceBudget, seed: seed,
                                                              fineTuning: entry.fineTuning) { done, _ in progress?(before + done, total) })
            before += costs[checkpoints.count - 1]
        }
        return CorollaryOne(checkpoints: checkpoints)
    }

    func measure(_ pair: CheckpointPair, train: TokenBatch, test: TokenBatch, fineTuning: DataSizeCheckpoint.FineTuningSummary? = nil,
                 progress: @escaping (_ done: Int, _ total: Int) -> Void) -> DataSizeCheckpoint {
        DataSizeCheckpoint.measure(direction: pair.direction, engine: pair.engine(concurrency: lanes), train: train, test: test, epsilon: epsilon,
                                   lossBound: lossBound, steps: steps, traceBudget: traceBudget, seed: seed, fineTuning: fineTuning, progress: progress)
    }
}
