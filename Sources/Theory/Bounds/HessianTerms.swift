import Hessian
import LinearAlgebra
import Models

/// Theorem 1/2's Hessian term of every block of a checkpoint pair (Ju et al. 2022, Thm 2.1; LensLLM,
/// Thm 2): for block i with v_i = fine-tuned − pretrained restricted to it,
///
///     h_i ≥ max over (x, y) in D of v_iᵀ H_i⁺[ℓ(x, y)] v_i,
///
/// measured as the maximum over the samples given (probes drawn from D, or the training samples for
/// comparison; `GeneralizationBound`),
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
        /// Each examined sample's certified v_iᵀ H_i⁺ v_i, in batch order: from the longest run it was
        /// given (the full steps for the samples that held the largest upper end).
        public var perSample: [QuadraticForm]
        /// The samples run to the end: the full steps, the tolerance, or an invariant space.
        public var fullRuns: [Int]
        /// The batch-mean loss's v_iᵀ H_i⁺ v_i, when measured.
        public var batchMean: QuadraticForm?

        public init(block: ParameterBlock, directionNorm: Double, perSample: [QuadraticForm], fullRuns: [Int], batchMean: QuadraticForm?) {
            (self.block, self.directionNorm, self.perSample, self.fullRuns, self.batchMean) = (block, directionNorm, perSample, fullRuns, batchMean)
        }

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

    public init(blocks: [Block], samples: Int, steps: Int, schedule: [Int], tolerance: Double, applications: Int) {
        (self.blocks, self.samples, self.steps, self.schedule, self.tolerance, self.applications) = (blocks, samples, steps, schedule, tolerance, applications)
    }

    /// Samples examined.
    public var samples: Int
    /// Lanczos steps per form for the samples run in full (a cap, with a tolerance), and the refinement
    /// levels' step counts.
    public var steps: Int
    public var schedule: [Int]
    /// The relative width each form ran to (0: every form ran its steps).
    public var tolerance: Double
    /// Forms, over every block and sample, that stopped by the tolerance, at the step cap, and on an
    /// invariant Krylov space (exact).
    public var stops: [QuadraticForm.Stop: Int] {
        var count: [QuadraticForm.Stop: Int] = [:]
        for block in blocks { for form in block.perSample { count[form.stop, default: 0] += 1 } }
        return count
    }

    /// The default tolerance: 5% on h_i is at most 2.5% on √h_i, the quantity Theorem 2 sums, well inside
    /// the spread between samples and seeds.
    public static let defaultTolerance = 0.05
    /// The default step cap. Per-sample GPT-2 blocks with spectral mass at the kink may reach it short of
    /// the tolerance (12 of the PyTorch fixture's 16 forms do); the form then says so (`Stop.stepCap`).
    public static let defaultSteps = 240
    /// HVPs spent in all.
    public var applications: Int

    /// The bytes `measure` holds at its peak, before running it: the model's Float64 weights and v, the
    /// restricted operator's two full-length vectors; a linearisation and a workspace for one sequence,
    /// and with `batchMean` for the whole batch; and a Lanczos basis over the largest block.
    public static func memoryBytes(_ config: GPT2Config, samples: Int, length: Int, steps: Int, batchMean: Bool = true) -> Int {
        let layout = GPT2Layout(config)
        let largest = layout.blocks.map(\.range.count).max() ?? 0
        let double = MemoryLayout<Double>.stride
        let perSample = 4 * layout.count * double + (min(steps, largest) + 2) * largest * double
            + GPT2Linearisation<Double>.memoryBytes(config, sequences: 1, length: length)
            + GPT2HVPWorkspace<Double>.memoryBytes(config, sequences: 1, length: length)
        guard batchMean else { return perSample }
        return perSample + GPT2Linearisation<Double>.memoryBytes(config, sequences: samples, length: length)
            + GPT2HVPWorkspace<Double>.memoryBytes(config, sequences: samples, length: length)
    }

    /// Measures every block's term over the samples of `batch` (each sequence one sample) with `steps`
    /// Lanczos steps per form where they matter, by refining the largest upper end. With a `tolerance`
    /// R > 0, `steps` is a cap: each form stops once its certified interval is within R
    /// (`GaussQuadrature.quadraticForm`), and a form that stopped short of its level's cap is final. The step counts of
    /// `schedule(steps)` rise fourfold to `steps` (60: 4, 15, 60). Every sample first gets the shortest
    /// run per block, which certifies an interval for its form. Then, round by round, each block's sample
    /// with the largest upper end, unless it has had the full run, gets the next level's run, its interval
    /// intersected with what it had. When every block's largest upper end belongs to a sample run in full,
    /// that upper end is the certified h_i, and it equals what running every sample in full would certify:
    /// intersected intervals only shrink, so every other sample's full-run upper end would lie below it
    /// too. Without `screening` (the default), every sample gets `steps` at once: measured on GPT-2s of two
    /// sizes, one sequence's block Hessian leaves its certified upper end 1.5-3.8 times the estimate at
    /// 60 steps (its spectral mass sits at the kink), wider than the spread between samples, so every
    /// sample was refined to the end and the shorter runs were spent for nothing.
    ///
    /// Every product is block-restricted (`BlockRestriction`, the tangent pass starting at the block), on
    /// the block's slice of v cut once; the operators share one workspace.
    /// `progress` is told (done, total) forms, the total growing with each round.
    /// - Complexity: samples × blocks × the shortest run, plus the refinements' runs, restricted HVPs;
    ///   one linearisation per sample and round it is refined in; with `batchMean`, blocks × `steps`
    ///   more on the whole batch.
    public static func measure(_ pair: CheckpointPair, samples batch: TokenBatch, steps: Int, tolerance: Double = defaultTolerance,
                               screening: Bool = false, batchMean: Bool = true,
                               progress: ((_ done: Int, _ total: Int) -> Void)? = nil) -> HessianTerms {
        measure(pair, model: GPT2<Double>(pair.finetuned), samples: batch, steps: steps, tolerance: tolerance, screening: screening,
                batchMean: batchMean, progress: progress)
    }

    /// `measure` with the fine-tuned model already made (`GPT2(pair.finetuned)`), to share it with the rest of an analysis.
    public static func measure(_ pair: CheckpointPair, model: GPT2<Double>, samples batch: TokenBatch, steps: Int,
                               tolerance: Double = defaultTolerance, screening: Bool = false, batchMean: Bool = true,
                               progress: ((_ done: Int, _ total: Int) -> Void)? = nil) -> HessianTerms {
        precondition(model.weights.count == pair.direction.count, "a model of another shape than the pair")
        let workspace = GPT2HVPWorkspace<Double>(model.config, batch.sequence(0))
        let blocks = model.layout.blocks
        let levels = screening ? schedule(steps) : [steps]
        var total = batch.batch * blocks.count + (batchMean ? blocks.count : 0), done = 0, applications = 0
        let slices = blocks.map { Array(pair.direction[$0.range]) }
        func form(_ op: GPT2HessianOperator, _ b: Int, steps: Int) -> QuadraticForm {
            let restricted = BlockRestriction(op, block: blocks[b])
            let form = GaussQuadrature.quadraticForm(restricted, vector: slices[b], function: .positivePart,
                                                     steps: min(steps, restricted.dimension), tolerance: tolerance)
            applications += form.applications
            done += 1
            progress?(done, total)
            return form
        }
        func sample(_ s: Int) -> GPT2HessianOperator { GPT2HessianOperator(model: model, batch: batch.sequence(s), workspace: workspace) }

        // Every sample, every block, the shortest run.
        var forms: [[QuadraticForm]] = (0..<batch.batch).map { s in
            let op = sample(s)
            return blocks.indices.map { form(op, $0, steps: levels[0]) }
        }
        var level = [[Int]](repeating: [Int](repeating: 0, count: blocks.count), count: batch.batch)
        // Refine each block's largest upper end until it is a full run's.
        while true {
            var chosen: [Int: [Int]] = [:]  // sample → the blocks it is refined in this round
            for b in blocks.indices {
                let top = forms.indices.max { forms[$0][b].interval.upperBound < forms[$1][b].interval.upperBound }!
                if level[top][b] + 1 < levels.count && forms[top][b].stop == .stepCap { chosen[top, default: []].append(b) }
            }
            guard !chosen.isEmpty else { break }
            total += chosen.values.reduce(0) { $0 + $1.count }
            for s in chosen.keys.sorted() {
                let op = sample(s)
                for b in chosen[s]! {
                    level[s][b] += 1
                    var next = form(op, b, steps: levels[level[s][b]])
                    // Both intervals hold the form: keep their intersection.
                    let previous = forms[s][b].interval
                    let lower = max(next.interval.lowerBound, previous.lowerBound), upper = min(next.interval.upperBound, previous.upperBound)
                    if lower <= upper {
                        next.interval = lower...upper
                        next.estimate = min(max(next.estimate, lower), upper)
                    }
                    forms[s][b] = next
                }
            }
        }
        let mean: [QuadraticForm]? = batchMean ? {
            let op = GPT2HessianOperator(model: model, batch: batch)
            return blocks.indices.map { form(op, $0, steps: steps) }
        }() : nil
        return HessianTerms(
            blocks: blocks.indices.map { b in
                Block(block: blocks[b], directionNorm: forms.first?[b].vectorNorm ?? 0, perSample: forms.map { $0[b] },
                      fullRuns: forms.indices.filter { level[$0][b] == levels.count - 1 || forms[$0][b].stop != .stepCap },
                      batchMean: mean?[b])
            },
            samples: batch.batch, steps: steps, schedule: levels, tolerance: tolerance, applications: applications)
    }

    /// The refinement levels' step counts: `steps`, and before it a quarter as many, and so on while above 8
    /// (60: 4, 15, 60). Each level reruns its sample from the start, so a fourfold rise spends at most a
    /// third more on a sample refined to the end than one full run.
    public static func schedule(_ steps: Int) -> [Int] {
        var levels = [steps]
        while let first = levels.first, first > 8 { levels.insert((first + 3) / 4, at: 0) }
        return levels
    }
}
