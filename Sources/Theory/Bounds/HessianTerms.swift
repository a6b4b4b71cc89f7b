import Foundation
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
public struct HessianTerms: Sendable, Equatable {
    /// One block's term.
    /// Above this ratio of certified upper end to estimate, a Hessian term is flagged as loose wherever it is
    /// shown (`Block.looseness`): a fifth more than the form itself is the certificate's, not the model's.
    public static let looseFactor = 1.2

    public struct Block: Sendable, Equatable {
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

        /// The certified upper end over the estimate, when it exceeds `looseFactor` (a positive estimate):
        /// the certificate, not the form, then sets h_i, and more Lanczos steps (or a smaller --rtol) would
        /// tighten it. nil for a tight one.
        public var looseness: Double? {
            guard estimate > 0 else { return nil }
            let ratio = certified / estimate
            return ratio > HessianTerms.looseFactor ? ratio : nil
        }

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

    /// The bytes `measure` holds at its peak on the native engine, before running it: the model's Float64
    /// weights, v and its block slices; in each of `lanes` lanes a linearisation (with the output layer's
    /// curvature when its products on the layers and ln_f repay it) and a workspace for one
    /// sequence and a Lanczos basis over the largest block, and with `batchMean` the same for the whole batch.
    public static func memoryBytes(_ config: GPT2Config, samples: Int, length: Int, steps: Int, lanes: Int = 1, batchMean: Bool = true) -> Int {
        let layout = GPT2Layout(config)
        func lane(_ sequences: Int) -> Int {
            GPT2Linearisation<Double>.memoryBytes(config, sequences: sequences, length: length, headProducts: config.layers * steps + steps)
                + GPT2HVPWorkspace<Double>.memoryBytes(config, sequences: sequences, length: length)
        }
        return memoryBytes(blocks: layout.blocks, steps: steps, lanes: lanes) + lanes * max(lane(1), batchMean ? lane(samples) : 0)
    }

    /// The bytes `measure` holds on this side of any engine: the weights' count three times over (v, its
    /// block slices, a model's copy) and in each lane a Lanczos basis over the largest block.
    public static func memoryBytes(blocks: [ParameterBlock], steps: Int, lanes: Int) -> Int {
        let largest = blocks.map(\.range.count).max() ?? 0
        let count = blocks.last?.range.upperBound ?? 0
        return (3 * count + lanes * (min(steps, largest) + 2) * largest) * MemoryLayout<Double>.stride
    }

    /// One Lanczos run's form, with what it was run on: sample `sample`'s Hessian (nil: the mean loss over
    /// the whole batch) restricted to block `block` (an index into the engine's blocks).
    public struct MeasuredForm: Sendable {
        public var sample: Int?
        public var block: Int
        public var form: QuadraticForm
        public init(sample: Int?, block: Int, form: QuadraticForm) { (self.sample, self.block, self.form) = (sample, block, form) }
    }

    /// A share of the forms: the jobs j of the full measurement with j mod `count` = `index` (0-based).
    public struct Shard: Sendable, Equatable {
        public var index: Int, count: Int
        public init(index: Int, count: Int) {
            precondition(count >= 1 && (0..<count).contains(index), "a shard index in 0..<count")
            (self.index, self.count) = (index, count)
        }
    }

    /// One linearisation's forms: `sample`'s Hessian (nil: the batch mean's) on each block at its steps.
    struct Job: Sendable {
        var sample: Int?
        var blocks: [(block: Int, steps: Int)]
    }

    /// Measures every block's term over the samples of `batch` (each sequence one sample) with `steps`
    /// Lanczos steps per form where they matter, by refining the largest upper end. With a `tolerance`
    /// R > 0, `steps` is a cap: each form stops once its certified interval is within R
    /// (`GaussQuadrature.quadraticForm`), and a form that stopped short of its level's cap is final. Without
    /// `screening` (the default), every sample gets `steps` at once: measured on GPT-2s of two sizes, one
    /// sequence's block Hessian leaves its certified upper end 1.5-3.8 times the estimate at 60 steps (its
    /// spectral mass sits at the kink), wider than the spread between samples, so every sample was refined to
    /// the end and shorter runs were spent for nothing. With `screening`, the step counts of
    /// `schedule(steps)` rise fourfold to `steps` (60: 4, 15, 60): every sample first gets the shortest run
    /// per block, which certifies an interval for its form; then, round by round, each block's sample with
    /// the largest upper end, unless it has had the full run, gets the next level's run, its interval
    /// intersected with what it had. When every block's largest upper end belongs to a sample run in full,
    /// that upper end is the certified h_i, and it equals what running every sample in full would certify:
    /// intersected intervals only shrink, so every other sample's full-run upper end would lie below it too.
    ///
    /// v is `direction` (fine-tuned − pretrained, in the engine's parameter order), each block's slice cut
    /// once; every product is the engine's block-restricted one. The samples run in the engine's lanes in
    /// parallel, each form computed alone, so the result is the same whatever the number of lanes.
    /// `progress` is told (done, total) forms, the total growing with each round.
    /// - Complexity: samples × blocks × the shortest run, plus the refinements' runs, restricted HVPs; one
    ///   linearisation per sample and round it is refined in; with `batchMean`, blocks × `steps` more on the
    ///   whole batch. Divided among the lanes.
    public static func measure<Engine: ModelEngine>(direction: [Double], engine: Engine, samples batch: TokenBatch, steps: Int,
                                                    tolerance: Double = defaultTolerance, screening: Bool = false, batchMean: Bool = true,
                                                    progress: ((_ done: Int, _ total: Int) -> Void)? = nil) throws(Engine.Failure) -> HessianTerms {
        let levels = screening ? schedule(steps) : [steps]
        let blockCount = engine.blocks.count
        let counter = FormCounter(progress, total: batch.batch * blockCount + (batchMean ? blockCount : 0))
        var applications = 0
        let slices = Self.slices(direction, engine)
        let first = try forms(jobs(samples: batch.batch, blocks: blockCount, steps: levels[0], meanSteps: batchMean ? steps : nil, lanes: engine.concurrency),
                              slices: slices, engine: engine, batch: batch, tolerance: tolerance, counter: counter)
        applications += first.reduce(0) { $0 + $1.form.applications }
        let measured = table(first, samples: batch.batch, blocks: blockCount)
        var forms = measured.perSample
        var level = [[Int]](repeating: [Int](repeating: 0, count: blockCount), count: batch.batch)
        // Refine each block's largest upper end until it is a full run's.
        while levels.count > 1 {
            var chosen: [Int: [Int]] = [:]  // sample → the blocks it is refined in this round
            for b in 0..<blockCount {
                let top = forms.indices.max { forms[$0][b].interval.upperBound < forms[$1][b].interval.upperBound }!
                if level[top][b] + 1 < levels.count && forms[top][b].stop == .stepCap { chosen[top, default: []].append(b) }
            }
            guard !chosen.isEmpty else { break }
            counter.grow(by: chosen.values.reduce(0) { $0 + $1.count })
            let round = chosen.keys.sorted().map { s in
                Job(sample: s, blocks: chosen[s]!.map { b in level[s][b] += 1; return (b, levels[level[s][b]]) })
            }
            for refined in try Self.forms(round, slices: slices, engine: engine, batch: batch, tolerance: tolerance, counter: counter) {
                applications += refined.form.applications
                let (s, b) = (refined.sample!, refined.block)
                var next = refined.form
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
        return assemble(forms, mean: measured.mean, blocks: engine.blocks, steps: steps, schedule: levels, tolerance: tolerance,
                        applications: applications, fullRuns: { s, b in level[s][b] == levels.count - 1 })
    }

    /// The forms of `shard`'s share of an unscreened `measure` (every sample at `steps`): merged with the
    /// other shares' by `assemble(_:blocks:samples:steps:tolerance:)`, they give exactly `measure`'s result.
    public static func measure<Engine: ModelEngine>(direction: [Double], engine: Engine, samples batch: TokenBatch, steps: Int,
                                                    tolerance: Double = defaultTolerance, batchMean: Bool = true, shard: Shard,
                                                    progress: ((_ done: Int, _ total: Int) -> Void)? = nil) throws(Engine.Failure) -> [MeasuredForm] {
        let all = jobs(samples: batch.batch, blocks: engine.blocks.count, steps: steps, meanSteps: batchMean ? steps : nil, lanes: 1)
        let share = all.indices.filter { $0 % shard.count == shard.index }.map { all[$0] }
        let counter = FormCounter(progress, total: share.reduce(0) { $0 + $1.blocks.count })
        return try forms(share, slices: Self.slices(direction, engine), engine: engine, batch: batch, tolerance: tolerance, counter: counter)
    }

    /// The terms of an unscreened measurement from all its forms (every sample's on every block, and the
    /// batch mean's if measured), in any order: what the shards' `measure` gave, merged.
    public static func assemble(_ measured: [MeasuredForm], blocks: [ParameterBlock], samples: Int, steps: Int, tolerance: Double) throws(MergeError) -> HessianTerms {
        var seen = Set<[Int]>()
        for m in measured {
            guard (0..<blocks.count).contains(m.block), m.sample.map({ (0..<samples).contains($0) }) ?? true,
                  seen.insert([m.sample ?? -1, m.block]).inserted else {
                throw MergeError("the forms to merge hold sample \(m.sample.map(String.init) ?? "batch mean") of block \(m.block) twice or out of range")
            }
        }
        guard measured.filter({ $0.sample != nil }).count == samples * blocks.count else {
            throw MergeError("the forms to merge miss \(samples * blocks.count - measured.filter { $0.sample != nil }.count) of the \(samples * blocks.count) per-sample forms: a share is missing")
        }
        let means = measured.filter { $0.sample == nil }.count
        guard means == 0 || means == blocks.count else {
            throw MergeError("the forms to merge hold the batch mean's form for \(means) of \(blocks.count) blocks: a share is missing")
        }
        let (forms, mean) = table(measured, samples: samples, blocks: blocks.count)
        return assemble(forms, mean: mean, blocks: blocks, steps: steps, schedule: [steps], tolerance: tolerance,
                        applications: measured.reduce(0) { $0 + $1.form.applications }) { _, _ in true }
    }

    /// Shares that do not make one measurement: a form twice, out of range, or missing.
    public struct MergeError: Error, CustomStringConvertible, Sendable {
        public var description: String
        init(_ description: String) { self.description = description }
    }

    /// The terms from every sample's form on every block, `forms[s][b]`, and the batch mean's per block;
    /// `applications` were spent on them (and on the runs they superseded); `fullRuns(s, b)` tells whether
    /// sample s's form on block b had the full steps.
    static func assemble(_ forms: [[QuadraticForm]], mean: [QuadraticForm?], blocks: [ParameterBlock], steps: Int, schedule: [Int],
                         tolerance: Double, applications: Int, fullRuns: (Int, Int) -> Bool) -> HessianTerms {
        HessianTerms(
            blocks: blocks.indices.map { b in
                Block(block: blocks[b], directionNorm: forms.first?[b].vectorNorm ?? 0, perSample: forms.map { $0[b] },
                      fullRuns: forms.indices.filter { fullRuns($0, b) || forms[$0][b].stop != .stepCap }, batchMean: mean[b])
            },
            samples: forms.count, steps: steps, schedule: schedule, tolerance: tolerance, applications: applications)
    }

    /// forms[s][b] and the batch mean's form per block, from a complete set.
    static func table(_ measured: [MeasuredForm], samples: Int, blocks: Int) -> (perSample: [[QuadraticForm]], mean: [QuadraticForm?]) {
        var forms = [[QuadraticForm?]](repeating: [QuadraticForm?](repeating: nil, count: blocks), count: samples)
        var mean = [QuadraticForm?](repeating: nil, count: blocks)
        for m in measured {
            if let s = m.sample { forms[s][m.block] = m.form } else { mean[m.block] = m.form }
        }
        return (forms.map { $0.map { $0! } }, mean)
    }

    /// Every sample on every block at `steps`, then the batch mean's blocks (at `meanSteps`) spread over
    /// `lanes` jobs so that the lanes share them: job j is the same whatever shard runs it.
    static func jobs(samples: Int, blocks: Int, steps: Int, meanSteps: Int?, lanes: Int) -> [Job] {
        let perSample = (0..<samples).map { Job(sample: $0, blocks: (0..<blocks).map { ($0, steps) }) }
        guard let meanSteps else { return perSample }
        let spread = max(1, min(lanes, blocks))
        return perSample + (0..<spread).map { k in Job(sample: nil, blocks: stride(from: k, to: blocks, by: spread).map { ($0, meanSteps) }) }
    }

    /// v cut into the engine's blocks, once per measurement.
    static func slices<Engine: ModelEngine>(_ direction: [Double], _ engine: Engine) -> [[Double]] {
        precondition(engine.parameterCount == direction.count, "a direction of another shape than the engine's model")
        return engine.blocks.map { Array(direction[$0.range]) }
    }

    /// Runs `jobs` in the engine's lanes; each job's linearisation, then its blocks' forms (on `slices`, v's blocks).
    static func forms<Engine: ModelEngine>(_ jobs: [Job], slices: [[Double]], engine: Engine, batch: TokenBatch, tolerance: Double,
                                           counter: FormCounter) throws(Engine.Failure) -> [MeasuredForm] {
        let blocks = engine.blocks
        let results = try Lanes.run(jobs: jobs.count, lanes: engine.concurrency, makeLane: engine.makeLane) { (j, lane) throws(Engine.Failure) -> [MeasuredForm] in
            let job = jobs[j]
            // The plan: every block at the job's steps, whichever blocks this job holds (the batch mean's
            // are split between lanes and shares), so that the products' rounding follows from the settings alone.
            let plan = [Int](repeating: job.blocks.map(\.steps).max() ?? 0, count: blocks.count)
            let point = try engine.linearise(job.sample.map { batch.sequence($0) } ?? batch, in: lane, plan: plan)
            var forms: [MeasuredForm] = []
            for (b, steps) in job.blocks {
                let restricted = BlockRestriction(point, block: blocks[b])
                let form = GaussQuadrature.quadraticForm(restricted, vector: slices[b], function: .positivePart,
                                                         steps: min(steps, restricted.dimension), tolerance: tolerance)
                try point.check()
                forms.append(MeasuredForm(sample: job.sample, block: b, form: form))
                counter.tick()
            }
            return forms
        }
        return results.flatMap { $0 }
    }

    /// Forms done out of a total, told to a progress callback from whichever lane finishes one.
    final class FormCounter: @unchecked Sendable {
        private let lock = NSLock()
        private let progress: ((Int, Int) -> Void)?
        private var done = 0, total: Int
        init(_ progress: ((Int, Int) -> Void)?, total: Int) { (self.progress, self.total) = (progress, total) }
        func grow(by forms: Int) { lock.withLock { total += forms } }
        func tick() { lock.withLock { done += 1; progress?(done, total) } }
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
