import Foundation
import LinearAlgebra
import Models

/// The generalization bound of a fine-tuned checkpoint pair: LensLLM's Theorem 2 (Zeng et al. 2025),
/// which LensLLM presents as the form of Ju et al.'s Theorem 2.1 (2022), holding with probability 0.99
/// over the draw of the n training samples,
///
///     L ≤ (1 + ε) L̂ + (1 + ε) √C Σᵢ √hᵢ / √n + O(n^(−3/4)),
///
/// with L the expected loss, L̂ the training loss, C a bound on the loss of one sample (Assumption 2: the
/// loss is bounded; next-token cross-entropy is not, so the bound is for the clipped loss min(ℓ, C), a
/// bounded loss, with L and L̂ measured for it and the fraction of clipped samples reported) and hᵢ the Hessian
/// terms (`HessianTerms`): hᵢ ≥ max over (x, y) in D, the data distribution, of vᵢᵀ Hᵢ⁺ vᵢ (the slides'
/// eq. 4; Appendix A's setup). The training samples are not a draw from D apart from the fine-tuning: the
/// fine-tuned model has fitted them, and their curvature is not D's. The maximum is therefore taken over
/// probe samples drawn from D apart from the training ones (by default the test split); over m such
/// probes, with probability 1 − δ at most a fraction 1 − δ^(1/m) of D has a larger form (`exceedance`).
/// The maximum over the training samples can be measured beside it, for comparison only.
/// The O(n^(−3/4)) remainder has no stated constant and is left out: the
/// numbers here are the bound without it, evaluated at the Lanczos estimates of the hᵢ and at their
/// certified upper ends (the latter a valid evaluation of that expression). The measured test loss
/// stands in for L; how tight the bound is is their ratio, and the gap it predicts, bound − L̂, is set
/// beside the measured gap L − L̂.
public struct GeneralizationBound: Sendable {
    /// L̂: the fine-tuned model's mean clipped loss min(ℓ, C) on the training samples.
    public var trainLoss: Double
    /// L, measured: the mean clipped loss on the test samples.
    public var testLoss: Double
    /// n, the number of training samples the bound counts.
    public var n: Int
    public var epsilon: Double
    /// C.
    public var lossBound: Double
    /// Where C came from.
    public var lossBoundSource: LossBoundSource
    /// The hᵢ: each block's maximum over the probe samples.
    public var terms: HessianTerms
    /// Where the probe samples came from, in words ("the test split").
    public var probeSource: String = "the test split"
    /// Each block's maximum over the training samples, when measured: for comparison, not a valid hᵢ.
    public var trainingTerms: HessianTerms? = nil
    /// Each training and test sample's loss ℓ before clipping (one sequence's mean next-token loss).
    public var trainLosses: [Double] = []
    public var testLosses: [Double] = []
    /// What the engine says its numbers do not account for (`ModelEngine.caveats`); empty for an exact one.
    public var caveats: [String] = []

    /// The default C: twice the loss of a uniform guess over the vocabulary, 2 log V. A fixed function of
    /// the model, chosen before any loss is seen (a C read off the data would not be a bound the theorem
    /// can use); a sample is clipped only when the model predicts it worse than a uniform guess by a
    /// factor of V in perplexity.
    public init(trainLoss: Double, testLoss: Double, n: Int, epsilon: Double, lossBound: Double, lossBoundSource: LossBoundSource,
                terms: HessianTerms, probeSource: String = "the test split", trainingTerms: HessianTerms? = nil,
                trainLosses: [Double] = [], testLosses: [Double] = []) {
        (self.trainLoss, self.testLoss, self.n, self.epsilon, self.lossBound, self.lossBoundSource) = (trainLoss, testLoss, n, epsilon, lossBound, lossBoundSource)
        (self.terms, self.probeSource, self.trainingTerms, self.trainLosses, self.testLosses) = (terms, probeSource, trainingTerms, trainLosses, testLosses)
    }

    public static func defaultLossBound(vocabulary: Int) -> Double { 2 * log(Double(vocabulary)) }

    /// The mean of min(ℓ, C) over `losses`.
    public static func clippedMean(_ losses: [Double], at c: Double) -> Double {
        losses.isEmpty ? 0 : losses.reduce(0) { $0 + min($1, c) } / Double(losses.count)
    }

    /// The fraction of the training and of the test samples whose loss exceeds C.
    public var clippedFraction: (train: Double, test: Double) {
        func fraction(_ x: [Double]) -> Double { x.isEmpty ? 0 : Double(x.filter { $0 > lossBound }.count) / Double(x.count) }
        return (fraction(trainLosses), fraction(testLosses))
    }

    /// The unclipped mean losses, for comparison.
    public var rawLosses: (train: Double, test: Double) {
        (trainLosses.reduce(0, +) / Double(max(trainLosses.count, 1)), testLosses.reduce(0, +) / Double(max(testLosses.count, 1)))
    }

    /// The certified bound at loss bound `c` and `epsilon` (the clipped losses recomputed at c), minus the
    /// clipped test loss at c: the verdict holds where it is ≥ 0.
    public func margin(lossBound c: Double, epsilon e: Double) -> Double {
        let sum = certified.hessianSum
        let bound = (1 + e) * Self.clippedMean(trainLosses, at: c) + (1 + e) * c.squareRoot() * sum / Double(n).squareRoot()
        return bound - Self.clippedMean(testLosses, at: c)
    }

    /// The ε at which the certified bound equals L at this C: L / (L̂ + √C Σᵢ √hᵢ / √n) − 1. The verdict
    /// holds for every ε at or above it (negative: at every ε ≥ 0).
    public var flipEpsilon: Double {
        testLoss / (trainLoss + lossBound.squareRoot() * certified.hessianSum / Double(n).squareRoot()) - 1
    }

    /// The C at which the verdict flips at this ε: the sign changes of `margin` over C from 1/1000 to 1000
    /// times this C (a log grid of 4,000 points and every per-sample loss, each change refined by bisection).
    public var flipLossBounds: [Double] {
        guard !trainLosses.isEmpty, !testLosses.isEmpty else { return [] }
        let grid = (0...4000).map { lossBound * pow(10, -3 + 6 * Double($0) / 4000) }
        let points = Array(Set(grid + (trainLosses + testLosses).filter { $0 > grid.first! && $0 < grid.last! })).sorted()
        var flips: [Double] = []
        for (a, b) in zip(points, points.dropFirst()) {
            let (fa, fb) = (margin(lossBound: a, epsilon: epsilon), margin(lossBound: b, epsilon: epsilon))
            guard (fa < 0) != (fb < 0) else { continue }
            var (lo, hi, flo) = (a, b, fa)
            for _ in 0..<60 {
                let mid = (lo + hi) / 2, fm = margin(lossBound: mid, epsilon: epsilon)
                if (fm < 0) == (flo < 0) { (lo, flo) = (mid, fm) } else { hi = mid }
            }
            flips.append((lo + hi) / 2)
        }
        return flips
    }

    /// The fraction of D whose form may exceed a maximum over `probes` independent draws, at confidence
    /// 1 − δ: P(more than a fraction q of D lies above the maximum) = (1 − q)^m ≤ δ for q = 1 − δ^(1/m).
    public static func exceedance(probes m: Int, delta: Double) -> Double { 1 - pow(delta, 1 / Double(m)) }

    /// Σᵢ √(running maximum of the estimates over the first m probes), for m = 1 … probes: how the bound's
    /// Hessian sum grows as more of D is examined.
    public var runningHessianSum: [Double] {
        guard let count = terms.blocks.first?.perSample.count else { return [] }
        var maxima = [Double](repeating: 0, count: terms.blocks.count)
        return (0..<count).map { j in
            for (b, block) in terms.blocks.enumerated() { maxima[b] = max(maxima[b], block.perSample[j].estimate) }
            return maxima.reduce(0) { $0 + max($1, 0).squareRoot() }
        }
    }

    /// How C was chosen.
    public enum LossBoundSource: Sendable {
        /// Given by the user.
        case given
        /// `defaultLossBound`: 2 log V, twice a uniform guess's loss.
        case uniformGuess
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
        evaluate(hessianSum: terms.blocks.reduce(0) { $0 + max(h($1), 0).squareRoot() })
    }

    /// The bound for Σᵢ √hᵢ = `sum`.
    func evaluate(hessianSum sum: Double) -> Evaluation {
        let bound = (1 + epsilon) * trainLoss + (1 + epsilon) * lossBound.squareRoot() * sum / Double(n).squareRoot()
        return Evaluation(hessianSum: sum, bound: bound, predictedGap: bound - trainLoss, tightness: bound / testLoss)
    }

    /// At the Lanczos estimates of the hᵢ.
    public var atEstimate: Evaluation { evaluate(\.estimate) }
    /// At the certified upper ends of the hᵢ.
    public var certified: Evaluation { evaluate(\.certified) }
    /// L − L̂.
    public var measuredGap: Double { testLoss - trainLoss }
    /// The same expression at the certified upper ends of the training samples' maxima, when measured:
    /// what taking h_i over the training set would give (not a valid evaluation of the theorem).
    public var trainingComparison: Evaluation? {
        guard let training = trainingTerms else { return nil }
        return evaluate(hessianSum: training.blocks.reduce(0) { $0 + max($1.certified, 0).squareRoot() })
    }

    /// Measures the fine-tuned model's losses on its training and test samples, its Hessian terms over
    /// `probes` (default: the test samples) and, with `compareTraining`, over the training samples too, and
    /// evaluates the bound.
    /// - Parameters:
    ///   - direction: v = fine-tuned − pretrained, in the engine's parameter order.
    ///   - engine: the fine-tuned model.
    ///   - probeSource: where the probes came from, for reports.
    ///   - n: the training-set size the bound counts (default: the training samples given).
    ///   - lossBound: C, the losses are clipped at (default: `defaultLossBound`, 2 log V).
    ///   - steps: Lanczos steps per Hessian form; with a `tolerance` R > 0 a cap, each form stopping once
    ///     its certified interval is within R (`HessianTerms.measure`).
    ///   - progress: told (done, total) forms over both measurements.
    /// - Complexity: two forward passes, and `HessianTerms.measure` over the probes (and the training samples).
    public static func evaluate<Engine: ModelEngine>(direction: [Double], engine: Engine, train: TokenBatch, test: TokenBatch, probes: TokenBatch? = nil,
                                                     probeSource: String = "the test split", compareTraining: Bool = false, n: Int? = nil, epsilon: Double,
                                                     lossBound: Double? = nil, steps: Int, tolerance: Double = HessianTerms.defaultTolerance, screening: Bool = false,
                                                     progress: ((_ done: Int, _ total: Int) -> Void)? = nil) throws(Engine.Failure) -> GeneralizationBound {
        let (trainLosses, testLosses) = (try engine.losses(train), try engine.losses(test))  // before clipping
        let blocks = engine.blocks.count
        let trainingForms = compareTraining ? (train.batch + 1) * blocks : 0
        var probeTotal = 0
        let terms = try HessianTerms.measure(direction: direction, engine: engine, samples: probes ?? test, steps: steps, tolerance: tolerance,
                                             screening: screening) { done, total in
            probeTotal = total
            progress?(done, total + trainingForms)
        }
        let trainingTerms = compareTraining ? try HessianTerms.measure(direction: direction, engine: engine, samples: train, steps: steps,
                                                                       tolerance: tolerance, screening: screening) { done, total in
            progress?(probeTotal + done, probeTotal + total)
        } : nil
        return GeneralizationBound(losses: (trainLosses, testLosses), vocabulary: engine.vocabulary, n: n ?? train.batch, epsilon: epsilon,
                                   lossBound: lossBound, terms: terms, probeSource: probeSource, trainingTerms: trainingTerms, caveats: engine.caveats)
    }

    /// The bound from measured parts: the unclipped per-sequence losses, clipped here at C (default 2 log V).
    init(losses: (train: [Double], test: [Double]), vocabulary: Int, n: Int, epsilon: Double, lossBound: Double?, terms: HessianTerms,
         probeSource: String, trainingTerms: HessianTerms?, caveats: [String]) {
        let c = lossBound ?? Self.defaultLossBound(vocabulary: vocabulary)
        self.init(trainLoss: Self.clippedMean(losses.train, at: c), testLoss: Self.clippedMean(losses.test, at: c), n: n, epsilon: epsilon,
                  lossBound: c, lossBoundSource: lossBound == nil ? .uniformGuess : .given, terms: terms, probeSource: probeSource,
                  trainingTerms: trainingTerms, trainLosses: losses.train, testLosses: losses.test)
        self.caveats = caveats + (n == losses.train.count ? [] : [Self.countCaveat(n: n, examined: losses.train.count)])
    }

    /// Why a bound whose n is not the number of training samples examined is not the bound of one run.
    static func countCaveat(n: Int, examined: Int) -> String {
        "n = \(n) in the formula, but L_hat and the training samples' maximum are over the \(examined) training sequences "
            + "examined: the bound of a model fine-tuned on n samples needs exactly those (`lens bound --first \(n)` takes the "
            + "first \(n), as a manifest's pair n was fine-tuned on them)."
    }
}
