import Curves
import Foundation
import LinearAlgebra
import Models
import TestSupport
import Testing
import Theory

/// The demo's measurement of candidates, on seeded small models (no reference data needed).
struct CandidateStudyTests {
    static let study = CandidateStudy(
        measurement: CorollaryStudy(epsilon: 0.1, lossBound: nil, steps: 6, traceBudget: 3, seed: 3),
        fineTuning: .init(length: .epochs(2), batchSize: 4, learningRate: 3e-3, weightDecay: 0.01, float64: false),
        sizes: [1, 2, 4, 8], probes: 4, densityProbes: 1, densitySteps: 6, densitySequences: 2)

    static func measure(seed: UInt64, config: GPT2Config = SmallModels.config) throws -> (CandidateStudy.Result, [Int: GPT2Parameters], TokenBatch, TokenBatch) {
        let pool = SmallModels.batch(8, seed: 21), test = SmallModels.batch(6, seed: 22)
        var kept: [Int: GPT2Parameters] = [:]
        let result = try study.run(name: "m\(seed)", pretrained: SmallModels.parameters(seed: seed, config: config), pool: pool, test: test, keep: { n, p in kept[n] = p })
        return (result, kept, pool, test)
    }

    // The curve is what was measured: the test losses of the pairs at each n, and at n = 0 the
    // pretrained checkpoint's own test loss; every fine-tuned checkpoint is handed out; the kernel is
    // the tangent kernel of the pretrained weights on the first m training sequences, with the run's η
    // and the largest size's steps; the density's weights sum to 1.
    @Test func candidateCurveIsTheMeasuredLossesAndTheKernelIsThePretrainedOnes() throws {
        let (result, kept, pool, test) = try Self.measure(seed: 5)
        let pretrained = SmallModels.parameters(seed: 5)
        #expect(result.curve.sizes == [1, 2, 4, 8])
        #expect(result.curve.losses == result.corollary.checkpoints.map(\.bound.testLoss))
        #expect(result.curve.zeroShot == GPT2<Double>(pretrained).loss(test).mean)
        #expect(Set(kept.keys) == [1, 2, 4, 8])
        for (n, parameters) in kept {
            let loss = GPT2<Double>(parameters).loss(test).mean
            let measured = result.corollary.checkpoints.first { $0.n == n }!.bound.testLoss
            #expect(abs(loss - measured) <= 1e-12 * measured, "n = \(n)")
        }
        let kernel = NeuralTangentKernel(engine: GPT2Engine(GPT2<Double>(pretrained)), probes: pool.prefix(4))
        #expect(result.kernel.outputs == kernel.outputs)
        #expect(abs(result.kernel.trace - (0..<4).reduce(0) { $0 + kernel.matrix[$1 * 5] }) <= 1e-10 * result.kernel.trace)
        #expect(result.kernel.rate == 3e-3 && result.kernel.steps == Double(Self.study.fineTuning.length.steps(n: 8, batchSize: 4)))
        #expect(abs(result.density.weights.reduce(0, +) - 1) <= 1e-12)
        #expect(result.density.width > 0)
    }

    // NLPmetrics reads the four weight matrices of each layer, and each α is the tail fit of the
    // eigenvalues of WᵀW / N computed independently by dsyevr.
    @Test func weightSpectraFitTheGramEigenvaluesOfEachLayerMatrix() throws {
        let config = GPT2Config(layers: 2, channels: 16, heads: 2, maxPositions: 6, vocabulary: 16)
        let parameters = SmallModels.parameters(seed: 9, config: config)
        let spectra = WeightSpectra(parameters)
        #expect(spectra.matrices.map(\.name) == ["h.0.attn.c_attn.weight", "h.0.attn.c_proj.weight", "h.0.mlp.c_fc.weight", "h.0.mlp.c_proj.weight",
                                                 "h.1.attn.c_attn.weight", "h.1.attn.c_proj.weight", "h.1.mlp.c_fc.weight", "h.1.mlp.c_proj.weight"])
        for (matrix, tensor) in zip(spectra.matrices, parameters.tensors.filter { $0.shape.count == 2 && $0.name.hasPrefix("h.") }) {
            let (rows, columns) = (tensor.shape[0], tensor.shape[1]), w = Array(parameters.values[tensor.range])
            // The Gram matrix of the shorter side has the nonzero eigenvalues of WᵀW.
            let side = min(rows, columns)
            var gram = [Double](repeating: 0, count: side * side)
            for i in 0..<side { for j in 0..<side {
                gram[i * side + j] = rows <= columns ? (0..<columns).reduce(0) { $0 + w[i * columns + $1] * w[j * columns + $1] }
                                                     : (0..<rows).reduce(0) { $0 + w[$1 * columns + i] * w[$1 * columns + j] }
            } }
            let eigenvalues = try #require(SymmetricEigen.dense(gram, n: side)).values.map { $0 / Double(rows) }
            let reference = try #require(PowerLawTail.fit(eigenvalues))
            let tail = try #require(matrix.tail)
            #expect(abs(tail.alpha - reference.alpha) <= 1e-8 * reference.alpha, "\(matrix.name)")
            #expect(tail.tailCount == reference.tailCount)
        }
        #expect(spectra.meanAlpha != nil)
    }

    // The selection scores every method against the measured losses at the largest size, charges the
    // curve methods the fine-tuning up to the budget and zeroshot, modelsize and NLPmetrics nothing,
    // and counts full fine-tuning as every candidate at the target.
    @Test func candidateSelectionScoresAgainstTheLargestSizeAndChargesTheBudget() throws {
        let results = [try Self.measure(seed: 5).0, try Self.measure(seed: 6, config: GPT2Config(layers: 1, channels: 8, heads: 2, maxPositions: 6, vocabulary: 16)).0,
                       try Self.measure(seed: 7).0]
        let selection = CandidateSelection(results, budget: 4)
        #expect(selection.truth == results.map { $0.curve.losses.last! })
        #expect(selection.target == 8)
        let full = results.reduce(0) { $0 + CandidateSelection.fineTuningFlops($1, n: 8) }
        #expect(selection.fullFlops == full && full > 0)
        let visible = results.reduce(0) { total, r in total + [1, 2, 4].reduce(0) { $0 + CandidateSelection.fineTuningFlops(r, n: $1) } }
        let methods = Dictionary(uniqueKeysWithValues: selection.rows.map { ($0.method, $0) })
        #expect(methods.count == SelectionMethod.allCases.count + 2)
        #expect(methods["zeroshot"]?.flops == 0 && methods["modelsize"]?.flops == 0 && methods["nlpmetrics (mean alpha)"]?.flops == 0)
        #expect(methods["ats"]?.flops == visible && methods["subtuning"]?.flops == visible)
        // One fine-tuning run: 6 P per token over steps x batch x context.
        let run = try #require(results[0].corollary.checkpoints.last!.fineTuning)
        #expect(CandidateSelection.fineTuningFlops(results[0], n: 8) == 6 * Double(results[0].parameterCount) * Double(run.steps * run.batchSize * 6))
        let subtuning = try #require(methods["subtuning"])
        #expect(try subtuning.scores.get() == results.map { $0.curve.loss(at: 4)! })
        #expect(subtuning.metrics == SelectionMetrics(scores: try subtuning.scores.get(), ranks: averageRanks(try subtuning.scores.get(), ascending: true),
                                                       trueLosses: selection.truth))
    }
}
