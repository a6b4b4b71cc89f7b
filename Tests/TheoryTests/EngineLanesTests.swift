import Hessian
import LinearAlgebra
import Models
import TestSupport
import Testing
import Theory

/// The Hessian terms measured in parallel lanes and in shards: the same numbers, to the bit, whatever the
/// thread count or the split; and an engine's failure is an error, never a number.
struct EngineLanesTests {
    static let pair = CheckpointPair(pretrained: SmallModels.parameters(seed: 3), finetuned: SmallModels.parameters(seed: 4))
    static let samples = SmallModels.batch(5, seed: 5)

    // One, two and three lanes (three threads on a 2-core machine: more threads than cores, jobs taken in
    // a different order on each run) give equal terms, unscreened and screened, the batch mean included.
    @Test func termsAreIdenticalWhateverTheThreadCount() {
        for screening in [false, true] {
            let runs = [1, 2, 3].map { lanes in
                HessianTerms.measure(direction: Self.pair.direction, engine: Self.pair.engine(concurrency: lanes), samples: Self.samples,
                                     steps: 24, screening: screening)
            }
            #expect(runs[0].blocks.allSatisfy { $0.batchMean != nil })
            #expect(runs[1] == runs[0] && runs[2] == runs[0], "screening \(screening)")
        }
    }

    // Three shards' forms, merged, are the unsharded terms exactly; a missing or repeated share is refused.
    @Test func shardsMergeToTheUnshardedTerms() throws {
        let engine = Self.pair.engine(concurrency: 2)
        let whole = HessianTerms.measure(direction: Self.pair.direction, engine: engine, samples: Self.samples, steps: 24)
        let shares = (0..<3).map { k in
            HessianTerms.measure(direction: Self.pair.direction, engine: engine, samples: Self.samples, steps: 24,
                                 shard: HessianTerms.Shard(index: k, count: 3))
        }
        #expect(shares.allSatisfy { !$0.isEmpty })
        let merged = try HessianTerms.assemble(shares.reversed().flatMap { $0 }, blocks: engine.blocks, samples: Self.samples.batch, steps: 24,
                                               tolerance: HessianTerms.defaultTolerance)
        #expect(merged == whole)
        #expect(throws: HessianTerms.MergeError.self) {
            try HessianTerms.assemble(shares[0] + shares[1], blocks: engine.blocks, samples: Self.samples.batch, steps: 24, tolerance: HessianTerms.defaultTolerance)
        }
        #expect(throws: HessianTerms.MergeError.self) {
            try HessianTerms.assemble(shares[0] + shares[1] + shares[2] + shares[1], blocks: engine.blocks, samples: Self.samples.batch, steps: 24,
                                      tolerance: HessianTerms.defaultTolerance)
        }
    }

    /// The native engine whose products fail on one sample, as a worker process that dies would: the
    /// product writes zeros and `check` reports it.
    struct FailingEngine: ModelEngine {
        typealias Failure = EngineError
        typealias Lane = GPT2Engine.Lane
        let base: GPT2Engine
        let failingSample: [Int32]

        struct Point: LinearisedModel {
            let base: GPT2HessianOperator
            let fails: Bool
            var dimension: Int { base.dimension }
            var blocks: [ParameterBlock] { base.blocks }
            func apply(_ x: UnsafeBufferPointer<Double>, into y: UnsafeMutableBufferPointer<Double>) {
                if fails { y.initialize(repeating: 0) } else { base.apply(x, into: y) }
            }
            func check() throws(EngineError) { if fails { throw EngineError("worker: the process exited (signal 9)") } }
        }

        var blocks: [ParameterBlock] { base.blocks }
        var parameterCount: Int { base.parameterCount }
        var vocabulary: Int { base.vocabulary }
        var concurrency: Int { base.concurrency }
        func losses(_ batch: TokenBatch) -> [Double] { base.losses(batch) }
        func gradient(_ batch: TokenBatch) -> (loss: Double, gradient: [Double]) { base.gradient(batch) }
        func makeLane() -> GPT2Engine.Lane { base.makeLane() }
        func linearise(_ batch: TokenBatch, in lane: GPT2Engine.Lane, plan: [Int]) -> Point {
            Point(base: base.linearise(batch, in: lane, plan: plan), fails: batch.tokens == failingSample)
        }
    }

    @Test func aFailedProductIsAnErrorNotANumber() {
        let engine = FailingEngine(base: Self.pair.engine(concurrency: 2), failingSample: Self.samples.sequence(3).tokens)
        #expect(throws: EngineError.self) {
            try HessianTerms.measure(direction: Self.pair.direction, engine: engine, samples: Self.samples, steps: 8)
        }
    }
}
