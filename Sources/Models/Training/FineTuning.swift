import Foundation
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

        /// Why the run counts as diverged, or nil: a loss or a weight that is not finite, or a last
        /// step's loss whose perplexity is more than twice the larger of the first step's and the
        /// vocabulary size (a uniform guess's), i.e. last > max(first, log V) + log 2: a run that ends
        /// worse than both where it started and knowing nothing has not fine-tuned the model.
        public var divergence: String? {
            if let step = losses.firstIndex(where: { !$0.isFinite }) {
                return "the loss is not finite at step \(step + 1) of \(losses.count)"
            }
            if !parameters.values.allSatisfy(\.isFinite) { return "a weight is not finite after the last step" }
            guard let first = losses.first, let last = losses.last else { return nil }
            let ceiling = max(first, log(Double(parameters.config.vocabulary))) + log(2.0)
            if last > ceiling {
                return "the loss rose from \(first) to \(last) over \(losses.count) steps, above max(first loss, log V) + log 2 = \(ceiling)"
            }
            return nil
        }
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
