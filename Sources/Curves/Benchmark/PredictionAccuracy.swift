import Foundation
import LinearAlgebra

/// Predictive accuracy in the manner of the paper's Table 2: each law is fitted to a model's points up
/// to a budget and predicts the measured losses at every larger size of the curve; the score is the RMSE
/// of those predictions, in loss, per model, and its mean over the models.
///
/// Three predictors, each with the same points: the LensLLM law B / (F + D^β) + E fitted to the curve
/// alone (`lensllm (curve)`, all visible points, F free: the law as eq. 10 writes it, both phases in
/// one formula), the rectified law with the zero-shot point (`rectified`, Lin et al.), and lensllm's joint
/// fit of every candidate under its fixed design (`lensllm (joint)`,
/// `LensLLMSelection`). A per-curve fit that fails is counted, not hidden.
/// - Complexity: per budget, one four-parameter fit per model and law, and one joint fit per held-back size.
public struct PredictionAccuracy: Sendable {
    public enum Predictor: CaseIterable, Sendable {
        case lensllmJoint
        case lensllmCurve
        case rectified
    }

    public var dataset: String
    public var budget: Double
    /// The held-back sizes predicted (every size of the curves above the budget).
    public var heldBack: [Double]
    public var models: [String]
    /// RMSE per predictor and model, in input order; nil where the fit failed.
    public var rmse: [Predictor: [Double?]]

    /// Mean over the models whose fit succeeded, and how many those were.
    public func mean(_ p: Predictor) -> (rmse: Double, models: Int) {
        let values = rmse[p]!.compactMap { $0 }
        return (values.isEmpty ? .nan : Statistics.mean(values), values.count)
    }

    /// Measures every predictor on `curves` (each measured at every held-back size) at `budget`.
    /// - Throws: `CurveError` when a curve lacks a held-back size or the joint fit fails.
    public static func measure(_ curves: [LossCurve], dataset: String, budget: Double,
                               test: SequentialResidualTest = .init()) throws(CurveError) -> PredictionAccuracy {
        let heldBack = curves.first.map { $0.sizes.filter { $0 > budget } } ?? []
        guard !heldBack.isEmpty else { throw CurveError("no sizes above the budget \(format(budget)) to predict") }
        var truth: [[Double]] = []
        for curve in curves {
            let losses = heldBack.compactMap { curve.loss(at: $0) }
            guard losses.count == heldBack.count else {
                throw CurveError("model \"\(curve.model)\" lacks a loss at one of the held-back sizes \(heldBack.map(format))")
            }
            truth.append(losses)
        }
        func rmse(_ predicted: [Double], _ measured: [Double]) -> Double {
            (zip(predicted, measured).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) } / Double(measured.count)).squareRoot()
        }
        let visible = curves.map { $0.truncated(toBudget: budget) }
        var table: [Predictor: [Double?]] = [:]
        for (predictor, kind) in [(Predictor.lensllmCurve, LawKind.lensllm), (.rectified, .rectified)] {
            table[predictor] = visible.indices.map { i in
                (try? kind.fit(visible[i], test: test)).map { fit in rmse(heldBack.map { fit.fit.law($0) }, truth[i]) }
            }
        }
        let selection = LensLLMSelection(test: test)
        var joint = [[Double]](repeating: [], count: curves.count)
        for size in heldBack {
            let result = try selection.predict(visible, target: size)
            for (i, loss) in result.predictions.enumerated() { joint[i].append(loss) }
        }
        table[.lensllmJoint] = joint.indices.map { rmse(joint[$0], truth[$0]) }
        return PredictionAccuracy(dataset: dataset, budget: budget, heldBack: heldBack, models: curves.map(\.model), rmse: table)
    }
}
