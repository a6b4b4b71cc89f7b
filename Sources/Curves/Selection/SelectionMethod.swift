import Foundation
import LinearAlgebra

/// The ways to score candidate models for fine-tuning from what each shows up to a data budget.
public enum SelectionMethod: String, CaseIterable, Sendable {
    /// Transition by the sequential residual test, then the LensLLM law (eq. 10) on the power-phase
    /// points of all candidates at once: with F free and the exponent shared, or with F = 0 and the
    /// exponents shrunk toward each other, or a combination of the two judged on held-back points
    /// (`LensLLMSelection.Design.fixed`).
    case lensllm
    /// "Accept then stop" (Lin et al. 2024): transition test, then a log–log line on the power
    /// phase, extrapolated to the target.
    case ats
    /// The rectified law B / (D_l + D^β) + E fitted on every point up to the budget and the
    /// zero-shot point, as Lin et al.'s "OurFit" uses it.
    case rectified
    /// The vanilla law B / D^β + E on every point up to the budget.
    case vanilla
    /// The zero-shot loss.
    case zeroshot
    /// The loss after fine-tuning on the budget.
    case subtuning
    /// log of the parameter count; larger is ranked better.
    case modelsize

    /// Whether the score is a predicted loss (lower is better); ModelSize's is log size.
    public var scoresAreLosses: Bool { self != .modelsize }
}

/// One method's verdict on a set of models.
public struct Selection: Sendable {
    /// One candidate as the method saw it.
    public struct Candidate: Sendable {
        public var model: String
        /// What the method ranks by: a predicted or measured loss, or log size for ModelSize.
        public var score: Double
        /// 1 = best, ties averaged.
        public var rank: Double
        /// The transition index the candidate's curve was cut at, where the method finds one.
        public var transition: Int?
        /// For lensllm with a calibration: the calibrated interval of the target loss at
        /// `Selection.intervalLevel` (nil for a curve too short to measure its bend), and the probability
        /// that the candidate is the best (`LogPrediction.probabilityBest` on the calibrated widths).
        public var interval: ClosedRange<Double>?
        public var probabilityBest: Double?
    }

    public var method: SelectionMethod
    /// The candidates, in the curves' order.
    public var candidates: [Candidate]
    /// The chosen candidate's index: the best rank, first in file order among equals.
    public var selected: Int
    /// For lensllm: both fits, their weights under the fixed design, and what each design predicts.
    public var lensllm: LensLLMSelection.Result?
    /// For lensllm with a calibration: the calibrated intervals and what they were calibrated on.
    public var calibration: ExtrapolationCalibration.Intervals?

    /// The level of the candidates' intervals.
    public static let intervalLevel = 0.9

    /// Whether the selection has intervals and P(best) (lensllm with a calibration).
    public var hasIntervals: Bool { calibration != nil }
    public var scores: [Double] { candidates.map(\.score) }
    public var ranks: [Double] { candidates.map(\.rank) }
    public var transitions: [Int?] { candidates.map(\.transition) }
    /// The candidates' intervals where the method gives them (lensllm).
    public var predictiveIntervals: [ClosedRange<Double>?]? { hasIntervals ? candidates.map(\.interval) : nil }

    init(method: SelectionMethod, models: [String], scores: [Double], ranks: [Double], selected: Int, transitions: [Int?],
         lensllm: LensLLMSelection.Result?, calibration: ExtrapolationCalibration.Intervals?) {
        let best = calibration?.probabilityBest
        candidates = models.indices.map { i in
            Candidate(model: models[i], score: scores[i], rank: ranks[i], transition: transitions[i],
                      interval: calibration?.intervals[i], probabilityBest: best?[i])
        }
        (self.method, self.selected, self.lensllm, self.calibration) = (method, selected, lensllm, calibration)
    }
}

/// What a selection needs to know beyond the curves.
public struct SelectionSettings: Sendable {
    /// Only the points with n ≤ budget may inform a score.
    public var budget: Double
    /// The data size at which the losses are predicted.
    public var target: Double
    public var test: SequentialResidualTest
    /// What lensllm's intervals are calibrated on; nil: no intervals.
    public var calibration: ExtrapolationCalibration?

    public init(budget: Double, target: Double, test: SequentialResidualTest = .init(), calibration: ExtrapolationCalibration? = nil) {
        (self.budget, self.target, self.test, self.calibration) = (budget, target, test, calibration)
    }
}

extension SelectionMethod {
    /// Scores and ranks `curves` seeing only the points up to the budget. `progress` gets (done, total)
    /// in curves scored (lensllm: curves fitted, `LensLLMSelection.predict`).
    /// - Throws: `CurveError` naming the model and what it lacks, or why its fit failed.
    public func select(_ curves: [LossCurve], settings: SelectionSettings,
                       progress: ((Int, Int) -> Void)? = nil) throws(CurveError) -> Selection {
        let visible = curves.map { $0.truncated(toBudget: settings.budget) }
        let scored = try score(visible, settings: settings, progress: progress)
        let ranks = averageRanks(scored.scores, ascending: scoresAreLosses)
        var calibrated: ExtrapolationCalibration.Intervals?
        if let result = scored.lensllm, let calibration = settings.calibration {
            calibrated = try calibration.intervals(result, visible: visible, target: settings.target, level: Selection.intervalLevel)
        }
        return Selection(method: self, models: curves.map(\.model), scores: scored.scores, ranks: ranks, selected: bestIndex(ranks),
                         transitions: scored.transitions, lensllm: scored.lensllm, calibration: calibrated)
    }

    /// What a method makes of the visible curves: a score and, where it finds one, a transition per curve.
    private struct Scored {
        var scores: [Double]
        var transitions: [Int?]
        var lensllm: LensLLMSelection.Result?
    }

    /// Every candidate's score from its visible curve. lensllm fits all candidates at once; the other
    /// methods score each curve on its own.
    private func score(_ curves: [LossCurve], settings: SelectionSettings,
                       progress: ((Int, Int) -> Void)?) throws(CurveError) -> Scored {
        /// A per-curve method: `score` for each curve in turn.
        func eachCurve(_ score: (LossCurve) throws(CurveError) -> (Double, Int?)) throws(CurveError) -> Scored {
            var scored = Scored(scores: [], transitions: [], lensllm: nil)
            for (i, curve) in curves.enumerated() {
                let (value, transition) = try score(curve)
                scored.scores.append(value)
                scored.transitions.append(transition)
                progress?(i + 1, curves.count)
            }
            return scored
        }
        func need(_ points: Int, _ curve: LossCurve) throws(CurveError) {
            guard curve.count >= points else {
                throw CurveError("model \"\(curve.model)\" has \(curve.count) points up to the budget " +
                                 "\(format(settings.budget)); \(rawValue) needs at least \(points)")
            }
        }
        switch self {
        case .lensllm:
            let result = try LensLLMSelection(test: settings.test).predict(curves, target: settings.target, progress: progress)
            return Scored(scores: result.predictions, transitions: result.transitions, lensllm: result)
        case .ats:
            return try eachCurve { curve throws(CurveError) in
                try need(2, curve)
                let t = settings.test.transitionIndex(curve)
                let power = curve.suffix(from: t + 1)
                return (exp(power.logLogLine(log(settings.target))), t)
            }
        case .rectified, .vanilla:
            let law: LawKind = self == .rectified ? .rectified : .vanilla
            return try eachCurve { curve throws(CurveError) in (try law.fit(curve).fit.law(settings.target), nil) }
        case .zeroshot:
            return try eachCurve { curve throws(CurveError) in
                guard let z = curve.zeroShot else {
                    throw CurveError("model \"\(curve.model)\" has no zero-shot loss (column 0); zeroshot needs it")
                }
                return (z, nil)
            }
        case .subtuning:
            return try eachCurve { curve throws(CurveError) in
                guard let l = curve.loss(at: settings.budget) else {
                    throw CurveError("model \"\(curve.model)\" has no loss at the budget \(format(settings.budget)); subtuning needs it")
                }
                return (l, nil)
            }
        case .modelsize:
            return try eachCurve { curve throws(CurveError) in
                guard let size = curve.parameterCount else {
                    throw CurveError("model \"\(curve.model)\" has no parameter count (column size); modelsize needs it")
                }
                return (log(size), nil)
            }
        }
    }
}

extension Selection {
    /// The curves' measured losses at the target and the selection's PearCorr and RelAcc against
    /// them, when every curve has one and there are at least two (nil otherwise: the selection
    /// cannot be scored).
    public func evaluation(against curves: [LossCurve], target: Double) -> (truth: [Double], metrics: SelectionMetrics)? {
        let truth = curves.compactMap { $0.loss(at: target) }
        guard truth.count == curves.count, curves.count >= 2 else { return nil }
        return (truth, SelectionMetrics(scores: scores, ranks: ranks, trueLosses: truth))
    }
}
