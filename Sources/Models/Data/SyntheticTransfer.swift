import LinearAlgebra

/// A pretrained/fine-tuned pair made from nothing but a seed, for the demo and the tests: a tiny
/// GPT-2 initialised as GPT-2 is, pretrained on a `SyntheticCorpus` source task, then fine-tuned on
/// its shifted target task, with a held-out target batch to measure the pair on. Every step draws a
/// fresh batch from the task (Float32 arithmetic, as PyTorch trains).
public struct SyntheticTransfer: Sendable {
    public var config: GPT2Config
    public var corpus: SyntheticCorpus
    /// Sequences per step, and in the held-out batch.
    public var batchSize: Int
    public var pretrainingSteps: Int
    public var fineTuningSteps: Int
    public var pretrainingRate: Double
    public var fineTuningRate: Double
    /// AdamW's decoupled weight decay, as the paper fine-tunes.
    public var weightDecay = 0.01
    public var seed: UInt64

    public init(config: GPT2Config, corpus: SyntheticCorpus, batchSize: Int, pretrainingSteps: Int, fineTuningSteps: Int,
                pretrainingRate: Double, fineTuningRate: Double, seed: UInt64) {
        (self.config, self.corpus, self.batchSize, self.seed) = (config, corpus, batchSize, seed)
        (self.pretrainingSteps, self.fineTuningSteps) = (pretrainingSteps, fineTuningSteps)
        (self.pretrainingRate, self.fineTuningRate) = (pretrainingRate, fineTuningRate)
    }

    /// The first stream seed of each phase's batches (`SyntheticCorpus.sample`): step s of a phase
    /// draws from stream first + s, so the phases' streams are disjoint while each has under 1,000
    /// steps, and no held-out sequence is trained on.
    enum Stream: UInt64 {
        case pretraining = 1_000
        case fineTuning = 2_000
        case heldOut = 9_999
    }

    /// What a run produced.
    public struct Result: Sendable {
        public var pretrained: GPT2Parameters
        public var finetuned: GPT2Parameters
        /// The loss on each step's batch before its update.
        public var pretrainingLosses: [Double]
        public var fineTuningLosses: [Double]
        /// Target-task sequences no step trained on.
        public var heldOut: TokenBatch
    }

    /// - Complexity: `pretrainingSteps + fineTuningSteps` Float32 gradients on `batchSize` sequences.
    /// - Parameter progress: told the steps done and in all (both phases) after each step.
    public func run(progress: ((_ done: Int, _ total: Int) -> Void)? = nil) -> Result {
        func batches(_ task: SyntheticCorpus.Task, _ count: Int, _ stream: Stream) -> [TokenBatch] {
            (0..<count).map { corpus.sample(task, count: batchSize, length: config.maxPositions, streamSeed: stream.rawValue &+ UInt64($0)) }
        }
        var model = GPT2<Float>(GPT2Parameters.randomInitialization(config: config, seed: seed))
        var pretraining = AdamW(learningRate: pretrainingRate, weightDecay: weightDecay)
        let total = pretrainingSteps + fineTuningSteps
        let pretrainingLosses = model.fineTune(on: batches(.source, pretrainingSteps, .pretraining), optimizer: &pretraining) { done, _ in
            progress?(done, total)
        }
        let pretrained = model.parameters()
        var fineTuning = AdamW(learningRate: fineTuningRate, weightDecay: weightDecay)
        let fineTuningLosses = model.fineTune(on: batches(.target, fineTuningSteps, .fineTuning), optimizer: &fineTuning) { done, _ in
            progress?(pretrainingSteps + done, total)
        }
        return Result(pretrained: pretrained, finetuned: model.parameters(),
                      pretrainingLosses: pretrainingLosses.map { Double($0) }, fineTuningLosses: fineTuningLosses.map { Double($0) },
                      heldOut: corpus.sample(.target, count: batchSize, length: config.maxPositions, streamSeed: Stream.heldOut.rawValue))
    }
}
