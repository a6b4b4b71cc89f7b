import Hessian
import LinearAlgebra
import Models

/// One point of a Corollary 1 study: a checkpoint pair fine-tuned on n training samples, its
/// generalization bound (Theorem 2, with the per-block Hessian terms h_i as the maximum over the test
/// samples, one fixed probe set from the data distribution for every n, so that h_i against n is not
/// confounded by how many samples the maximum runs over), and the trace of each block's Hessian of the
/// mean training loss (Lemmas 2-3 of the paper speak of how it scales with n).
public struct DataSizeCheckpoint: Sendable {
    /// n: the training samples the pair was fine-tuned on.
    public var n: Int
    public var bound: GeneralizationBound
    /// tr(H_i) of the mean training loss over the n samples at the fine-tuned weights, per block.
    public var traces: [Estimate]
    /// How the toolkit fine-tuned the pair, when it did.
    public var fineTuning: FineTuningSummary?

    public init(n: Int, bound: GeneralizationBound, traces: [Estimate], fineTuning: FineTuningSummary? = nil) {
        (self.n, self.bound, self.traces, self.fineTuning) = (n, bound, traces, fineTuning)
    }

    /// A fine-tuning run in brief.
    public struct FineTuningSummary: Sendable {
        public var steps: Int
        public var batchSize: Int
        /// The loss on the first and the last step's batch, before its update.
        public var firstLoss: Double
        public var lastLoss: Double
        public init(steps: Int, batchSize: Int, firstLoss: Double, lastLoss: Double) {
            (self.steps, self.batchSize, self.firstLoss, self.lastLoss) = (steps, batchSize, firstLoss, lastLoss)
        }
    }

    /// Measures the pair that `engine` holds (its fine-tuned model; v = `direction`), fine-tuned on the samples of
    /// `train`: the bound with n = train.batch and h_i over the `test` samples, and every block's trace by
    /// `TraceEstimation.trace` with `traceBudget` products (seeded). `progress` is told the work done and in
    /// all, in single-sequence HVPs (`cost`).
    /// - Complexity: `cost(n:probes:blocks:steps:traceBudget:)` single-sequence HVPs.
    public static func measure<Engine: ModelEngine>(direction: [Double], engine: Engine, train: TokenBatch, test: TokenBatch, epsilon: Double,
                                                    lossBound: Double?, steps: Int, traceBudget: Int, seed: UInt64, fineTuning: FineTuningSummary? = nil,
                                                    progress: ((_ done: Int, _ total: Int) -> Void)? = nil) throws(Engine.Failure) -> DataSizeCheckpoint {
        let n = train.batch, m = test.batch, blocks = engine.blocks
        let total = cost(n: n, probes: m, blocks: blocks.count, steps: steps, traceBudget: traceBudget)
        // The bound's forms come per probe (m × blocks of one sequence each), then on the whole probe batch.
        let perSampleForms = m * blocks.count
        let bound = try GeneralizationBound.evaluate(direction: direction, engine: engine, train: train, test: test, epsilon: epsilon,
                                                     lossBound: lossBound, steps: steps) { forms, _ in
            let done = min(forms, perSampleForms) * steps + max(forms - perSampleForms, 0) * steps * m
            progress?(done, total)
        }
        let op = try engine.linearise(train, in: try engine.makeLane(), plan: blocks.map { _ in traceBudget })
        var done = 2 * perSampleForms * steps
        var traces: [Estimate] = []
        for block in blocks {
            traces.append(TraceEstimation.trace(BlockRestriction(op, block: block), budget: traceBudget, seed: seed))
            try op.check()
            done += traceBudget * n
            progress?(done, total)
        }
        return DataSizeCheckpoint(n: n, bound: bound, traces: traces, fineTuning: fineTuning)
    }

    /// The work of `measure` in single-sequence HVP-equivalents: per block, m per-probe forms of
    /// `steps` products, one form on the m-probe batch (m × steps), and the trace over the n training
    /// samples (n × traceBudget).
    public static func cost(n: Int, probes m: Int, blocks: Int, steps: Int, traceBudget: Int) -> Int {
        saturating(Double(blocks) * (2 * Double(m) * Double(steps) + Double(n) * Double(traceBudget)))
    }

    /// A count of work as an Int, held below 2^53 so that totals of absurd settings cannot overflow.
    static func saturating(_ x: Double) -> Int { Int(min(x, 0x1p53)) }
}
