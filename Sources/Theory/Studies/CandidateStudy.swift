import _Files
import Curves
import Foundation
import Hessian
import LinearAlgebra
import Models

/// One candidate model for fine-tuning measured the way the paper reasons about it: fine-tuned on the
/// first n sequences of a target task for each n of `sizes` (`CorollaryStudy`: h_i per block, the
/// Theorem 2 bound, Corollary 1's fits), which gives its real test-loss curve L(n) with the zero-shot
/// point L(0); the tangent kernel of the pretrained checkpoint on the first `probes` training
/// sequences (eq. 8) and the offset F(Θ, t) it implies (eq. 9); NLPmetrics' heavy-tail exponents of
/// its pretrained weights; and the Hessian spectral density of the checkpoint fine-tuned on the most
/// data.
public struct CandidateStudy: Sendable {
    public var measurement: CorollaryStudy
    public var fineTuning: CorollaryStudy.FineTuningSettings
    /// n₁ < … < n_k, at most the training pool.
    public var sizes: [Int]
    /// m, the tangent kernel's probe sequences: the first m of the training pool.
    public var probes: Int
    /// Stochastic Lanczos quadrature of the final checkpoint's Hessian: probes and steps.
    public var densityProbes: Int
    public var densitySteps: Int
    /// The density is of the mean loss over the first this many of the final checkpoint's training
    /// sequences (its cost grows with them; the spectrum's shape settles long before all n).
    public var densitySequences: Int

    public init(measurement: CorollaryStudy, fineTuning: CorollaryStudy.FineTuningSettings, sizes: [Int], probes: Int,
                densityProbes: Int, densitySteps: Int, densitySequences: Int) {
        precondition(!sizes.isEmpty && probes >= 1 && densityProbes >= 1 && densitySteps >= 1 && densitySequences >= 1)
        (self.measurement, self.fineTuning, self.sizes, self.probes) = (measurement, fineTuning, sizes, probes)
        (self.densityProbes, self.densitySteps, self.densitySequences) = (densityProbes, densitySteps, densitySequences)
    }

    /// Everything measured on one candidate.
    public struct Result: Sendable {
        public var name: String
        public var model: ModelDescription
        public var parameterCount: Int
        /// The tokens per training sequence (what a fine-tuning step's compute is counted in).
        public var sequenceLength: Int
        /// L(0): the pretrained checkpoint's mean loss on the test sequences.
        public var zeroShot: Double
        /// The checkpoints at every n: losses, h_i, the bound; Corollary 1's fits.
        public var corollary: CorollaryOne
        /// The pretrained checkpoint's tangent kernel; its η and t are the fine-tuning run's at the
        /// largest n.
        public var kernel: TangentKernelSummary
        /// NLPmetrics on the pretrained weights.
        public var spectra: WeightSpectra
        /// The spectral density of the final checkpoint's Hessian.
        public var density: SpectralDensity
        /// The sequences the density's loss averages over.
        public var densitySequences: Int

        /// The real fine-tuning curve: test loss against n, with L(0) and the parameter count.
        public var curve: LossCurve {
            LossCurve(model: name, sizes: corollary.sizes, losses: corollary.checkpoints.map(\.bound.testLoss),
                      zeroShot: zeroShot, parameterCount: Double(parameterCount))
        }
    }

    /// The work of the kernel and the density after the checkpoints, in single-sequence HVP-equivalents
    /// (`CorollaryStudy`'s unit): m gradients (a third of an HVP each) and the density's products.
    func tailCost(largest: Int) -> Int {
        DataSizeCheckpoint.saturating(Double(probes / 3) + Double(densityProbes) * Double(densitySteps) * Double(min(densitySequences, largest)))
    }

    /// Fine-tunes `pretrained` (named `name`) at every n of `sizes` on the first n sequences of the
    /// target task's `pool` (which holds at least the largest size and `probes`) and measures it, with
    /// the `test` sequences. `keep` is given each fine-tuned checkpoint; `progress` is told the work done
    /// and in all, in single-sequence HVP-equivalents.
    /// - Throws: `CorollaryStudy.DivergedFineTuning` when a fine-tuning run diverges; `FileError`
    ///   when the pretrained checkpoint's tangent kernel is not finite.
    /// - Complexity: `CorollaryStudy.run`'s work, then `tailCost`.
    public func run(name: String, pretrained: GPT2Parameters, pool: TokenBatch, test: TokenBatch,
                    progress: ((_ done: Int, _ total: Int) -> Void)? = nil,
                    keep: ((_ n: Int, _ finetuned: GPT2Parameters) -> Void)? = nil) throws -> Result {
        precondition(sizes.last! <= pool.batch && probes <= pool.batch, "the pool holds every size and the probes")
        // One report over both stages: the checkpoints' work as `CorollaryStudy` counts it, then the tail.
        let tail = tailCost(largest: sizes.last!)
        var checkpointsWork = 0, final = pretrained
        let corollary = try measurement.run(pretrained: pretrained, pool: pool, test: test, sizes: sizes, fineTuning: fineTuning,
                                        progress: { done, total in checkpointsWork = total; progress?(done, total + tail) },
                                        keep: { n, parameters in
                                            keep?(n, parameters)
                                            if n == sizes.last! { final = parameters }
                                        })
        return try finishNative(name: name, pretrained: pretrained, final: final, corollary: corollary, rate: fineTuning.learningRate,
                                pool: pool, test: test, tail: tail) { progress?(checkpointsWork + $0, checkpointsWork + tail) }
    }

    /// Measures checkpoints fine-tuned elsewhere: `pairs` in increasing n, each with its fine-tuning
    /// summary (the steps of the largest are the kernel's t), fine-tuned at learning rate `rate` (η).
    /// `sizes` and `fineTuning` of this study are not used.
    /// - Throws: what loading a pair throws; `FileError` when the tangent kernel is not finite.
    public func run(name: String, pretrained: GPT2Parameters, pairs: [CorollaryStudy.ExistingPair], rate: Double, pool: TokenBatch, test: TokenBatch,
                    progress: ((_ done: Int, _ total: Int) -> Void)? = nil) throws -> Result {
        let largest = pairs.last!.n
        precondition(largest <= pool.batch && probes <= pool.batch, "the pool holds every size and the probes")
        let tail = tailCost(largest: largest)
        var checkpointsWork = 0, final = pretrained
        let corollary = try measurement.run(pairs: pairs, pool: pool, test: test,
                                            progress: { done, total in checkpointsWork = total; progress?(done, total + tail) },
                                            keep: { n, parameters in if n == largest { final = parameters } })
        return try finishNative(name: name, pretrained: pretrained, final: final, corollary: corollary, rate: rate, pool: pool, test: test,
                                tail: tail) { progress?(checkpointsWork + $0, checkpointsWork + tail) }
    }

    /// Measures checkpoints fine-tuned elsewhere on any engine (the PyTorch worker's, for any causal LM):
    /// `pairs` in increasing n as `CorollaryStudy.run(engines:)` takes them, `pretrained` an engine at the
    /// pretrained weights (the kernel and the zero-shot loss), `final` one at the checkpoint of the largest n
    /// (the density), `spectra` the pretrained weights' NLPmetrics, `model` the architecture.
    /// - Throws: what the engines throw; `FileError` when the tangent kernel is not finite.
    public func run<Pair: ModelEngine, Pretrained: ModelEngine, Final: ModelEngine>(
        name: String, model: ModelDescription, pairs: [CorollaryStudy.EnginePair<Pair>], pretrained: () throws -> Pretrained,
        final: () throws -> Final, spectra: WeightSpectra, rate: Double, pool: TokenBatch, test: TokenBatch,
        progress: ((_ done: Int, _ total: Int) -> Void)? = nil
    ) throws -> Result {
        let largest = pairs.last!.n
        precondition(largest <= pool.batch && probes <= pool.batch, "the pool holds every size and the probes")
        let tail = tailCost(largest: largest)
        var checkpointsWork = 0
        let corollary = try measurement.run(engines: pairs, pool: pool, test: test,
                                            progress: { done, total in checkpointsWork = total; progress?(done, total + tail) })
        let start = try pretrained()
        let losses = try start.losses(test)
        return try finish(name: name, model: model, parameterCount: start.parameterCount, pretrained: start, final: try final(),
                          zeroShot: losses.reduce(0, +) / Double(losses.count), spectra: spectra, corollary: corollary, rate: rate,
                          pool: pool, tail: tail) { progress?(checkpointsWork + $0, checkpointsWork + tail) }
    }

    /// `finish` on the native engine, for native checkpoints.
    private func finishNative(name: String, pretrained: GPT2Parameters, final: GPT2Parameters, corollary: CorollaryOne, rate: Double,
                              pool: TokenBatch, test: TokenBatch, tail: Int, progress: (Int) -> Void) throws -> Result {
        let pretrainedModel = GPT2<Double>(pretrained)  // one model for the kernel and the zero-shot loss
        return try finish(name: name, model: ModelDescription(pretrained.config), parameterCount: pretrained.count,
                          pretrained: GPT2Engine(pretrainedModel), final: GPT2Engine(GPT2<Double>(final)),
                          zeroShot: Double(pretrainedModel.loss(test).mean), spectra: WeightSpectra(pretrained), corollary: corollary,
                          rate: rate, pool: pool, tail: tail, progress: progress)
    }

    /// The kernel and the density once the checkpoints are measured; `progress` is told the work done of
    /// `tailCost`.
    private func finish<Pretrained: ModelEngine, Final: ModelEngine>(
        name: String, model: ModelDescription, parameterCount: Int, pretrained: Pretrained, final: Final, zeroShot: Double,
        spectra: WeightSpectra, corollary: CorollaryOne, rate: Double, pool: TokenBatch, tail: Int, progress: (Int) -> Void
    ) throws -> Result {
        let largest = corollary.checkpoints.last!.n
        let kernel = try NeuralTangentKernel(engine: pretrained, probes: pool.prefix(probes))
        progress(probes / 3)
        // t: the steps of the run on the most data (a pair without a summary has none: t = 0, F = ‖f₀ − y‖²).
        let steps = corollary.checkpoints.last!.fineTuning?.steps ?? 0
        guard let offset = TangentKernelOffset(kernel: kernel) else {
            throw FileError(name, "the tangent kernel of the pretrained checkpoint is not a finite positive semi-definite matrix (weights so large that the gradients overflow?)")
        }
        let summary = TangentKernelSummary(checkpoint: name, parameters: parameterCount, kernel: kernel, offset: offset,
                                           rate: rate, steps: Double(steps))
        let sequences = min(densitySequences, largest)
        let op = try final.linearise(pool.prefix(sequences), in: try final.makeLane())
        var density = SpectralDensity.estimate(op, probes: densityProbes, steps: densitySteps, width: 1, seed: measurement.seed)
        try op.check()
        // The Ritz values span the spectrum (the extreme ones converge first): the width is a fixed
        // fraction of their extent.
        if let low = density.nodes.min(), let high = density.nodes.max(), high > low { density.width = Self.densityWidth * (high - low) }
        progress(tail)
        return Result(name: name, model: model, parameterCount: parameterCount, sequenceLength: pool.length, zeroShot: zeroShot,
                      corollary: corollary, kernel: summary, spectra: spectra, density: density, densitySequences: sequences)
    }

    /// The Gaussian width of the density as a fraction of the spectrum's extent (the span of the Ritz
    /// values): one hundredth, so that eigenvalues a percent of the range apart are told apart.
    static let densityWidth = 0.01
}
