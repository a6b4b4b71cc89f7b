import Foundation
import Models

/// The generalization bound of a fine-tuned checkpoint pair: LensLLM's Theorem 2 (Zeng et al. 2025),
/// which LensLLM presents as the form of Ju et al.'s Theorem 2.1 (2022), holding with probability 0.99
/// over the draw of the n training samples,
///
///     L ≤ (1 + ε) L̂ + (1 + ε) √C Σᵢ √hᵢ / √n + O(n^(−3/4)),
///
/// with L the expected loss, L̂ the training loss, C a bound on the loss of one sample and hᵢ the Hessian
/// terms (`HessianTerms`). The O(n^(−3/4)) remainder has no stated constant and is left out: the
/// numbers here are the bound without it, evaluated at the Lanczos estimates of the hᵢ and at their
/// certified upper ends (the latter a valid evaluation of that expression). The measured test loss
/// stands in for L; how tight the bound is is their ratio, and the gap it predicts, bound − L̂, is set
/// beside the measured gap L − L̂.
public struct GeneralizationBound: Sendable {
    /// L̂: the fine-tuned model's mean loss on the training samples.
    public var trainLoss: Double
    /// L, measured: the mean loss on the test samples.
    public var testLoss: Double
    /// n, the number of training samples the bound counts.
    public var n: Int
    public var epsilon: Double
    /// C.
    public var lossBound: Double
    /// Where C came from.
    public var lossBoundSource: LossBoundSource
    public var terms: HessianTerms

    /// How C was chosen.
    public enum LossBoundSource: String, Sendable {
        /// Given by the user.
        case given
        /// The largest per-sample loss observed on the training and test samples: a stand-in, since the
        /// cross-entropy has no finite bound of its own.
        case observed = "largest observed per-sample loss"
    }

    /// One evaluation of the bound, at the estimates or at the certified upper ends of the hᵢ.
    public struct Evaluation: Sendable {
        /// Σᵢ √hᵢ.
        public var hessianSum: Double
        /// (1 + ε) L̂ + (1 + ε) √C Σᵢ √hᵢ / √n.
        public var bound: Double
        /// bound − L̂, against the measured gap L − L̂.
        public var predictedGap: Double
        /// bound / L.
        public var tightness: Double
    }

    /// The bound with each hᵢ at `h(block)`.
    public func evaluate(_ h: (HessianTerms.Block) -> Double) -> Evaluation {
        let sum = terms.blocks.reduce(0) { $0 + max(h($1), 0).squareRoot() }
        let bound = (1 + epsilon) * trainLoss + (1 + epsilon) * lossBound.squareRoot() * sum / Double(n).squareRoot()
        return Evaluation(hessianSum: sum, bound: bound, predictedGap: bound - trainLoss, tightness: bound / testLoss)
    }

    /// At the Lanczos estimates of the hᵢ.
    public var atEstimate: Evaluation { evaluate(\.estimate) }
    /// At the certified upper ends of the hᵢ.
    public var certified: Evaluation { evaluate(\.certified) }
    /// L − L̂.
    public var measuredGap: Double { testLoss - trainLoss }

    /// Measures the losses and the Hessian terms of `pair` on its training and test samples and
    /// evaluates the bound.
    /// - Parameters:
    ///   - n: the training-set size the bound counts (default: the training samples given).
    ///   - lossBound: C (default: the largest per-sample loss observed on train and test).
    ///   - steps: Lanczos steps per Hessian form.
    /// - Complexity: two forward passes, and `HessianTerms.measure`.
    public static func evaluate(_ pair: CheckpointPair, train: TokenBatch, test: TokenBatch, n: Int? = nil, epsilon: Double,
                                lossBound: Double? = nil, steps: Int, screening: Bool = false,
                                progress: ((_ done: Int, _ total: Int) -> Void)? = nil) -> GeneralizationBound {
        let model = GPT2<Double>(pair.finetuned)
        let (trainLoss, testLoss) = (model.loss(train), model.loss(test))
        let terms = HessianTerms.measure(pair, samples: train, steps: steps, screening: screening, progress: progress)
        let observed = (trainLoss.perSequence + testLoss.perSequence).max() ?? 0
        return GeneralizationBound(trainLoss: trainLoss.mean, testLoss: testLoss.mean, n: n ?? train.batch, epsilon: epsilon,
                                   lossBound: lossBound ?? observed, lossBoundSource: lossBound == nil ? .observed : .given,
                                   terms: terms)
    }
}
