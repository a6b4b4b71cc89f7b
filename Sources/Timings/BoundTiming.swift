import Foundation
import Hessian
import LinearAlgebra
import Models
import Theory

/// `lens bench bound`: what certified Hessian terms h_i cost on a GPT-2 of the bench size, against the
/// naive plan (every sample, every block, `steps` full HVPs on the sample's linearisation), in
/// HVP-equivalents: seconds divided by the time of one full HVP on one sequence, measured in the same run.
///
/// The pair is made in the run: a seeded GPT-2 at its initialisation, fine-tuned by a few AdamW steps on a
/// synthetic target task, so that v is a real optimiser step. The levers are measured one by one: each
/// block's restricted product against the full one, and screening by the measured run itself.
public struct BoundTiming: Sendable {
    public var config: GPT2Config
    public var samples: Int
    public var steps: Int
    public var tolerance: Double
    public var fineTuningSteps: Int
    public var screening: Bool
    public var seed: UInt64
    /// Threads making products at once; above 1, the run is repeated on one thread, the baseline.
    public var lanes: Int

    public init(config: GPT2Config, samples: Int, steps: Int, tolerance: Double, fineTuningSteps: Int, screening: Bool, seed: UInt64, lanes: Int = 1) {
        (self.config, self.samples, self.steps, self.tolerance, self.fineTuningSteps) = (config, samples, steps, tolerance, fineTuningSteps)
        (self.screening, self.seed, self.lanes) = (screening, seed, lanes)
    }

    public struct Result: Sendable {
        public var timing: BoundTiming
        /// Seconds of one full HVP on one sequence's linearisation: the unit.
        public var fullProduct: Double
        /// Seconds of one block-restricted product, per block.
        public var restrictedProducts: [(block: String, seconds: Double)]
        /// Seconds of one sequence's linearisation.
        public var linearisation: Double
        /// Whether the linearisations formed the output layer's curvature (`GPT2HeadCurvature`).
        public var headCurvature: Bool
        /// The measured run on one thread: wall seconds, products, and the Hessian terms.
        public var seconds: Double
        /// The same run on `timing.lanes` threads, when above 1: its wall seconds, and whether its terms
        /// equal the one-thread run's in every bit.
        public var parallel: (seconds: Double, identical: Bool)?
        public var applications: Int
        public var terms: HessianTerms
        /// Peak resident memory of the process, in bytes.
        public var peakMemory: Int
        public var estimatedMemory: Int

        var blocks: Int { restrictedProducts.count }
        /// The naive plan in HVP-equivalents, and in seconds.
        public var naiveEquivalents: Double { Double(timing.samples * blocks * timing.steps) }
        /// Restricted products alone, every sample at full steps: from the measured product times.
        public var restrictedOnlyEquivalents: Double {
            Double(timing.samples * timing.steps) * restrictedProducts.reduce(0) { $0 + $1.seconds } / fullProduct
        }
        public var measuredEquivalents: Double { seconds / fullProduct }
        /// The run's seconds in the products (each block's applications times its measured product time)
        /// and in the samples' linearisations; the rest is Lanczos's own work and the certificates.
        public var productSeconds: Double {
            zip(terms.blocks, restrictedProducts).reduce(0) { total, pair in
                total + Double(pair.0.perSample.reduce(0) { $0 + $1.applications }) * pair.1.seconds
            }
        }
        public var linearisationSeconds: Double { Double(timing.samples) * linearisation }
    }

    public func run(progress: ((_ done: Int, _ total: Int) -> Void)? = nil) -> Result {
        let corpus = SyntheticCorpus(vocabulary: config.vocabulary, seed: seed)
        let length = config.maxPositions
        let start = GPT2Parameters.randomInitialization(config: config, seed: seed)
        let tuning = FineTuning(steps: fineTuningSteps, batchSize: 4, learningRate: 1e-3, weightDecay: 0.01, seed: seed, float64: false)
        let finetuned = tuning.run(from: start, data: corpus.sample(.target, count: 4 * fineTuningSteps, length: length, streamSeed: 1)).parameters
        let pair = CheckpointPair(pretrained: start, finetuned: finetuned)
        let train = corpus.sample(.target, count: samples, length: length, streamSeed: 2)

        // The units: one sequence's linearisation, one full product, each block's restricted product.
        let model = GPT2<Double>(pair.finetuned)
        var linearising = Stopwatch()
        // As the run makes them: every block planned at the step cap (so the output layer's curvature is
        // formed when the run's linearisations form it).
        let engine = GPT2Engine(model)
        let op = linearising.time { engine.linearise(train.sequence(0), in: engine.makeLane(), plan: engine.blocks.map { _ in steps }) }
        var full = Stopwatch()
        var product = [Double](repeating: 0, count: op.dimension)
        pair.direction.withUnsafeBufferPointer { v in
            product.withUnsafeMutableBufferPointer { hv in for _ in 0..<3 { full.time { op.apply(v, into: hv) } } }
        }
        let restricted = op.blocks.map { block -> (String, Double) in
            let restricted = BlockRestriction(op, block: block)
            let x = Array(pair.direction[block.range])
            var y = [Double](repeating: 0, count: restricted.dimension)
            var watch = Stopwatch()
            x.withUnsafeBufferPointer { x in y.withUnsafeMutableBufferPointer { y in for _ in 0..<3 { watch.time { restricted.apply(x, into: y) } } } }
            return (block.name, watch.best)
        }

        // The parallel run first, so that the peak memory is the parallel run's.
        func measure(lanes: Int, progress: ((Int, Int) -> Void)?) -> (HessianTerms, Double) {
            var run = Stopwatch()
            let terms = run.time {
                HessianTerms.measure(direction: pair.direction, engine: GPT2Engine(model, concurrency: lanes), samples: train, steps: steps,
                                     tolerance: tolerance, screening: screening, batchMean: false, progress: progress)
            }
            return (terms, run.best)
        }
        let parallel = lanes > 1 ? measure(lanes: lanes) { progress?($0, 2 * $1) } : nil
        let (terms, seconds) = measure(lanes: 1) { done, total in progress?(done + (parallel == nil ? 0 : total), total * (parallel == nil ? 1 : 2)) }
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Result(timing: self, fullProduct: full.best, restrictedProducts: restricted, linearisation: linearising.best,
                      headCurvature: op.point.formedHeadCurvature,
                      seconds: seconds, parallel: parallel.map { ($0.1, $0.0 == terms) }, applications: terms.applications, terms: terms,
                      peakMemory: Int(usage.ru_maxrss) * 1024,
                      estimatedMemory: HessianTerms.memoryBytes(config, samples: samples, length: length, steps: steps, lanes: lanes, batchMean: false))
    }
}
