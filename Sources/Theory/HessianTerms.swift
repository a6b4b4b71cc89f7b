import Hessian
import Models

/// Theorem 1/2's Hessian term of every block of a checkpoint pair (Ju et al. 2022, Thm 2.1; LensLLM,
/// Thm 2): for block i with v_i = fine-tuned − pretrained restricted to it,
///
///     h_i ≥ max over training samples (x, y) of v_iᵀ H_i⁺[ℓ(x, y)] v_i,
///
/// where H_i is the diagonal block of the Hessian of one sample's loss (one sequence's mean next-token
/// cross-entropy, at the fine-tuned weights) and H⁺ clips its negative eigenvalues to zero. Each form is
/// a Gauss–Lanczos estimate with a certified interval (`GaussQuadrature`), so the maximum over the
/// examined samples comes with one too: [max of the lower ends, max of the upper ends], whose upper end
/// is a valid h_i for those samples. Beside it: the raw max of v_iᵀ H_i v_i (what Ju et al.'s released
/// code measures, over batches and without the truncation), and the same forms for the mean loss over
/// the whole batch.
public struct HessianTerms: Sendable {
    /// One block's term.
    public struct Block: Sendable {
        public var block: ParameterBlock
        /// ‖v_i‖.
        public var directionNorm: Double
        /// Each examined sample's certified v_iᵀ H_i⁺ v_i, in batch order.
        public var perSample: [QuadraticForm]
        /// The batch-mean loss's v_iᵀ H_i⁺ v_i.
        public var batchMean: QuadraticForm

        /// The largest per-sample estimate.
        public var estimate: Double { perSample.map(\.estimate).max() ?? 0 }
        /// [max of the per-sample lower ends, max of the upper ends]: holds the maximum of the exact forms.
        public var interval: ClosedRange<Double> {
            (perSample.map(\.interval.lowerBound).max() ?? 0)...(perSample.map(\.interval.upperBound).max() ?? 0)
        }
        /// A valid h_i: the certified upper end of the maximum.
        public var certified: Double { interval.upperBound }
        /// The sample whose estimate is the largest (the first among equals).
        public var argmax: Int { perSample.indices.max { perSample[$0].estimate < perSample[$1].estimate } ?? 0 }
        /// max over the samples of v_iᵀ H_i v_i, exact.
        public var rawMax: Double { perSample.map(\.raw).max() ?? 0 }

        /// √ of the estimate, of the interval's ends and of the raw max (0 where negative): the
        /// quantities Theorem 2 sums.
        public var roots: (estimate: Double, interval: ClosedRange<Double>, rawMax: Double) {
            func root(_ x: Double) -> Double { max(x, 0).squareRoot() }
            return (root(estimate), root(interval.lowerBound)...root(interval.upperBound), root(rawMax))
        }
    }

    public var blocks: [Block]
    /// Samples examined.
    public var samples: Int
    /// Lanczos steps per form.
    public var steps: Int
    /// HVPs spent in all.
    public var applications: Int

    /// The bytes `measure` holds at its peak, before running it: the model's Float64 weights and v; a
    /// linearisation and a workspace for one sequence and for the whole batch; the block restriction's
    /// two full-length vectors; and a Lanczos basis over the largest block.
    public static func memoryBytes(_ config: GPT2Config, samples: Int, length: Int, steps: Int) -> Int {
        let layout = GPT2Layout(config)
        let largest = layout.blocks.map { layout.range(of: $0).count }.max() ?? 0
        let double = MemoryLayout<Double>.stride
        return 4 * layout.count * double + (min(steps, largest) + 2) * largest * double
            + GPT2Linearisation<Double>.memoryBytes(config, sequences: 1, length: length)
            + GPT2HVPWorkspace<Double>.memoryBytes(config, sequences: 1, length: length)
            + GPT2Linearisation<Double>.memoryBytes(config, sequences: samples, length: length)
            + GPT2HVPWorkspace<Double>.memoryBytes(config, sequences: samples, length: length)
    }

    /// Measures every block's term over the samples of `batch` (each sequence one sample), with `steps`
    /// Lanczos steps per form. `progress` is told (done, total) units of work, one per form.
    /// - Complexity: (samples + 1) × blocks × `steps` HVPs: per sample a linearisation on its one
    ///   sequence, then per block a restricted Lanczos run; the operators share one workspace.
    public static func measure(_ pair: CheckpointPair, samples batch: TokenBatch, steps: Int,
                               progress: ((_ done: Int, _ total: Int) -> Void)? = nil) -> HessianTerms {
        let model = GPT2<Double>(pair.finetuned)
        let workspace = GPT2HVPWorkspace<Double>(model.config, batch.sequence(0))
        let blocks = model.layout.blocks
        let total = (batch.batch + 1) * blocks.count
        var done = 0, applications = 0
        func forms(_ op: GPT2HessianOperator) -> [QuadraticForm] {
            op.blocks.map { block in
                let restricted = BlockRestriction(op, block: block)
                let form = GaussQuadrature.quadraticForm(restricted, vector: Array(pair.direction[block.range]), function: .positivePart,
                                                         steps: min(steps, restricted.dimension))
                applications += form.applications
                done += 1
                progress?(done, total)
                return form
            }
        }
        var perSample: [[QuadraticForm]] = []
        for s in 0..<batch.batch {
            perSample.append(forms(GPT2HessianOperator(model: model, batch: batch.sequence(s), workspace: workspace)))
        }
        let mean = forms(GPT2HessianOperator(model: model, batch: batch))
        let operatorBlocks = blocks.map { ParameterBlock(name: $0.name, range: model.layout.range(of: $0)) }
        return HessianTerms(
            blocks: operatorBlocks.indices.map { b in
                Block(block: operatorBlocks[b], directionNorm: perSample.first?[b].vectorNorm ?? mean[b].vectorNorm,
                      perSample: perSample.map { $0[b] }, batchMean: mean[b])
            },
            samples: batch.batch, steps: steps, applications: applications)
    }
}
