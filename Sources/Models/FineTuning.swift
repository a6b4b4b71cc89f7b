import LinearAlgebra

/// A fine-tuning run as `lens finetune` makes it: `steps` AdamW steps (PyTorch's form, decoupled
/// weight decay), each on `batchSize` sequences drawn with replacement from the data (seeded), in
/// Float32 as PyTorch fine-tunes or in Float64.
public struct FineTuning: Sendable {
    public var steps: Int
    public var batchSize: Int
    public var learningRate: Double
    public var weightDecay: Double
    public var seed: UInt64
    public var float64: Bool

    public init(steps: Int, batchSize: Int, learningRate: Double, weightDecay: Double, seed: UInt64, float64: Bool) {
        (self.steps, self.batchSize, self.learningRate, self.weightDecay) = (steps, batchSize, learningRate, weightDecay)
        (self.seed, self.float64) = (seed, float64)
    }

    /// What a run produced.
    public struct Result: Sendable {
        public var parameters: GPT2Parameters
        /// The loss on each step's batch before its update.
        public var losses: [Double]
        /// Sequences per step: `batchSize`, or the whole data when it has fewer.
        public var batchSize: Int
    }

    /// - Complexity: `steps` gradients on batches of `batchSize` sequences.
    public func run(from start: GPT2Parameters, data: TokenBatch) -> Result {
        let size = min(batchSize, data.batch)
        let batches = data.randomBatches(steps, size: size, seed: seed)
        var optimizer = AdamW(learningRate: learningRate, weightDecay: weightDecay)
        if float64 {
            var model = GPT2<Double>(start)
            let losses = model.fineTune(on: batches, optimizer: &optimizer)
            return Result(parameters: model.parameters(), losses: losses, batchSize: size)
        }
        var model = GPT2<Float>(start)
        let losses = model.fineTune(on: batches, optimizer: &optimizer).map { Double($0) }
        return Result(parameters: model.parameters(), losses: losses, batchSize: size)
    }
}
