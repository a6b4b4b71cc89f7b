import Foundation
import TestSupport
@testable import Hessian
import Models
import Testing
@testable import Theory

/// Corollary 1's fits and derivation on checkpoints whose Hessian terms, traces and gaps follow known
/// power laws, and a study run end to end on a small model.
struct CorollaryOneTests {
    static let sizes = [8, 16, 32, 64, 128, 256]

    /// A checkpoint at n with the given certified h_i, traces, losses and C.
    static func checkpoint(n: Int, h: [Double], traces: [Double], trainLoss: Double, testLoss: Double, c: Double) -> DataSizeCheckpoint {
        let blocks = h.enumerated().map { i, value in
            let form = QuadraticForm(estimate: value, interval: value...value, raw: value, vectorNorm: 1, steps: 1, applications: 1, residualNorm: 0, stop: .invariant)
            return HessianTerms.Block(block: ParameterBlock(name: "b\(i)", range: (10 * i)..<(10 * i + 10)), directionNorm: 1,
                                      perSample: [form], fullRuns: [0], batchMean: nil)
        }
        let terms = HessianTerms(blocks: blocks, samples: 1, steps: 1, schedule: [1], tolerance: 0, applications: 0)
        let bound = GeneralizationBound(trainLoss: trainLoss, testLoss: testLoss, n: n, epsilon: 0.1, lossBound: c, lossBoundSource: .given, terms: terms)
        return DataSizeCheckpoint(n: n, bound: bound, traces: traces.map { Estimate(value: $0, standardError: 0, applications: 1) }, fineTuning: nil)
    }

    /// h_i = c_i n^-b, tr_i = a_i n^-d, gap = g n^-γ, C varying with n (the corollary takes the largest).
    static func exactStudy(c: [Double], b: Double) -> CorollaryOne {
        CorollaryOne(checkpoints: sizes.reversed().map { n in
            let x = Double(n)
            return checkpoint(n: n, h: c.map { $0 * pow(x, -b) }, traces: c.map { 3 * $0 * pow(x, -0.3) },
                              trainLoss: 1, testLoss: 1 + 2 * pow(x, -0.6), c: 4 + 1 / x)
        })
    }

    @Test func betaThreeAndCThreeFollowFromAnExactPowerLawSum() throws {
        let c = [1.0, 2.0, 0.5], b = 0.4
        let study = Self.exactStudy(c: c, b: b)
        #expect(study.sizes == Self.sizes.map(Double.init), "checkpoints sorted by n")
        #expect(study.lossBound == 4 + 1.0 / 8, "C: the largest of the sizes' C")
        let f = study.all
        let sum = try f.sum.get()
        // Exact data: the least-squares line goes through every point; tolerances are round-off in logs.
        #expect(abs(sum.exponent - b) < 1e-12 && abs(sum.coefficient / 3.5 - 1) < 1e-12)
        #expect(sum.exponentInterval.map { $0.upperBound - $0.lowerBound < 1e-9 } == true)
        for (fit, coefficient) in zip(f.blocks, c) {
            let f = try fit.get()
            #expect(abs(f.exponent - b) < 1e-12 && abs(f.coefficient / coefficient - 1) < 1e-12)
        }
        for fit in f.traces { #expect(abs(try fit.get().exponent - 0.3) < 1e-12) }
        #expect(abs(try f.gap.get().exponent - 0.6) < 1e-12 && f.gapExcluded.isEmpty)
        let d = try #require(f.derivation)
        #expect(abs(d.beta3 - (b + 1) / 2) < 1e-12)
        #expect(abs(d.c3 - (study.lossBound * 3 * 3.5).squareRoot()) < 1e-10)
        // T(n) = sqrt(C) sum_i sqrt(c_i) n^-(b+1)/2 exactly: its own exponent is beta3.
        #expect(abs(try f.term.get().exponent - d.beta3) < 1e-12)
        #expect(f.beta2Sign == .positive)
        #expect(study.beyondPeak == nil, "the sum is largest at the smallest size: nothing to cut")
        #expect(d.sumReadingHolds && d.eachReadingNeededConstantHolds)
    }

    // With every block equal, T(n) meets both envelopes that the derivation gives with equality, and the
    // paper's sqrt(C l C2) under the each-block reading falls short by exactly sqrt(l).
    @Test func paperConstantFallsShortByRootLUnderTheEachBlockReading() throws {
        let l = 4.0
        let d = try #require(Self.exactStudy(c: [Double](repeating: 0.7, count: Int(l)), b: 0.5).all.derivation)
        for check in d.checks {
            #expect(abs(check.sumEnvelope / check.term - 1) < 1e-12)
            #expect(abs(check.eachNeeded / check.term - 1) < 1e-12)
            #expect(abs(check.eachPaper * l.squareRoot() / check.term - 1) < 1e-12)
        }
        #expect(d.sumReadingHolds && d.eachReadingNeededConstantHolds && !d.eachReadingPaperConstantHolds)
    }

    // Growing h_i (beta2 < 0) is reported as such, and sizes with no positive gap leave the gap fit.
    @Test func growingTermsAndNegativeGapsAreReportedNotHidden() throws {
        let checkpoints = Self.sizes.enumerated().map { k, n in
            Self.checkpoint(n: n, h: [Double(n), 2 * Double(n)].map { $0 * (1 + 0.01 * Double(k % 2)) }, traces: [1, 1],
                            trainLoss: 1, testLoss: k == 2 ? 0.9 : 1 + 1 / Double(n), c: 3)
        }
        let study = CorollaryOne(checkpoints: checkpoints)
        #expect(study.all.beta2Sign == .negative)
        #expect(study.all.gapExcluded == [32])
        #expect(try study.all.gap.get().pointCount == 5)
        // Constant traces fit with exponent 0.
        #expect(abs(try study.all.traces[0].get().exponent) < 1e-12)
        #expect(study.beyondPeak == nil, "the sum is largest at the largest size")
    }

    // h_i that rise to a peak and then decay: the fits from the peak on recover the decay exactly, the
    // fits over all sizes do not.
    @Test func fitsFromThePeakRecoverTheDecayBeyondIt() throws {
        let checkpoints = Self.sizes.map { n in
            let x = Double(n), h = n < 32 ? 0.01 * x : 0.32 * pow(32, 0.8) * pow(x, -0.8)
            return Self.checkpoint(n: n, h: [h, 2 * h], traces: [1, 1], trainLoss: 1, testLoss: 1 + 1 / x, c: 3)
        }
        let study = CorollaryOne(checkpoints: checkpoints)
        let beyond = try #require(study.beyondPeak)
        #expect(beyond.sizes == [32, 64, 128, 256])
        #expect(abs(try beyond.sum.get().exponent - 0.8) < 1e-12 && beyond.beta2Sign == .positive)
        #expect(abs(try study.all.sum.get().exponent - 0.8) > 0.5)
    }

    // The study's checkpoint at each n is the pretrained model fine-tuned on the first n sequences and
    // measured as `lens bound` measures a pair: rerunning both steps by hand gives the same numbers.
    @Test func studyMeasuresEachSizeAsTheBoundDoes() throws {
        let pretrained = SmallModels.parameters(seed: 21)
        let pool = SmallModels.batch(8, seed: 5), test = SmallModels.batch(3, seed: 6)
        let study = CorollaryStudy(epsilon: 0.1, lossBound: nil, steps: 10, traceBudget: 6, seed: 4)
        let settings = CorollaryStudy.FineTuningSettings(length: .steps(6), batchSize: 2, learningRate: 3e-3, weightDecay: 0.01, float64: true)
        var reports: [(Int, Int)] = []
        let result = try study.run(pretrained: pretrained, pool: pool, test: test, sizes: [2, 4, 8], fineTuning: settings) { reports.append(($0, $1)) }
        #expect(result.checkpoints.map(\.n) == [2, 4, 8])
        #expect(reports.last.map { $0.0 == $0.1 } == true && zip(reports, reports.dropFirst()).allSatisfy { $0.0 <= $1.0 })

        let n = 4, k = 1
        let tuned = FineTuning(steps: 6, batchSize: 2, learningRate: 3e-3, weightDecay: 0.01, seed: 4, float64: true).run(from: pretrained, data: pool.prefix(n))
        let pair = CheckpointPair(pretrained: pretrained, finetuned: tuned.parameters)
        let bound = GeneralizationBound.evaluate(direction: pair.direction, engine: pair.engine(), train: pool.prefix(n), test: test, epsilon: 0.1, steps: 10)
        let got = result.checkpoints[k]
        #expect(got.bound.certified.bound == bound.certified.bound && got.bound.trainLoss == bound.trainLoss)
        #expect(got.bound.terms.blocks.map(\.certified) == bound.terms.blocks.map(\.certified))
        // The traces' linearisation, planned as the study plans it (6 products per block).
        let engine = pair.engine()
        let blocks = pretrained.layout.blocks
        let op = engine.linearise(pool.prefix(n), in: engine.makeLane(), plan: blocks.map { _ in 6 })
        // Every block is larger than the budget of 6, so each trace is Hutch++'s, the same for the same seed.
        for (b, block) in blocks.enumerated() {
            let want = TraceEstimation.trace(BlockRestriction(op, block: block), budget: 6, seed: 4)
            #expect(got.traces[b].value == want.value)
        }
        #expect(got.fineTuning?.steps == 6 && got.fineTuning?.batchSize == 2)
    }
}
