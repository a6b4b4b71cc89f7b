/// LensLLM's selection (Algorithm 1 with the law of eq. 10) when no NTK gives F: every candidate's
/// curve up to the budget is cut at its transition (the sequential residual test), the LensLLM law
/// is fitted to the candidates' power-phase points jointly with a shared exponent
/// (`SharedExponentFit`), and each law is evaluated at the target. Only points up to the budget,
/// of every model, inform any prediction.
///
/// A power phase seen through a small budget has as few as k = 3 points, too few to pin the law's
/// parameters per curve: the curvature trades off against β, and an extrapolation 8x to 512x beyond
/// the data follows whichever the noise picks. Sharing β across the candidates of the task leaves
/// two parameters per curve.
/// - Complexity: one transition test per curve and one joint fit.
public struct LensLLMSelection: Sendable {
    public var test: SequentialResidualTest

    public init(test: SequentialResidualTest = .init()) {
        self.test = test
    }

    /// Predicted target losses and transition indices for `curves` (already cut to the budget),
    /// with the joint fit they came from.
    public func predict(_ curves: [LossCurve], target: Double, source: String)
        throws(CurveError) -> (predictions: [(loss: Double, transition: Int)], fit: SharedExponentFit)
    {
        var transitions: [Int] = []
        var powerPhases: [LossCurve] = []
        for curve in curves {
            guard curve.count >= 2 else {
                throw CurveError(source, "model \"\(curve.model)\" has \(curve.count) points up to the budget; lensllm needs at least 2")
            }
            let t = test.transitionIndex(curve)
            transitions.append(t)
            powerPhases.append(curve.suffix(from: t + 1))
        }
        let fit: SharedExponentFit
        do {
            fit = try SharedExponentFit.fit(powerPhases)
        } catch {
            throw CurveError(source, "lensllm: \(error)")
        }
        return (zip(fit.laws, transitions).map { ($0(target), $1) }, fit)
    }
}
