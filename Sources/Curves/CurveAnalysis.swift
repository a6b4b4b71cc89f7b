/// Everything the toolkit says about one curve: the three transition estimates, the three law fits
/// (the LensLLM law after the residual-test transition, as the paper uses it), and the fit of the shape
/// Corollary 1 implies, a check of the theory rather than a transition: on test-loss curves its
/// remainder term K n^(−3/4) would make the pre-power phase steeper than the power phase, while the
/// curves are flatter there, so the fit drives K to 0 and its crossover out of the data. A part that
/// cannot be computed keeps its error, so a report shows why instead of a gap.
public struct CurveAnalysis: Sendable {
    public var curve: LossCurve
    public var transitions: [(method: TransitionMethod, result: Result<TransitionEstimate, CurveError>)]
    public var fits: [(kind: LawKind, result: Result<LawFit, CurveError>)]
    public var corollaryShape: Result<CorollaryShape, CurveError>

    public init(_ curve: LossCurve, test: SequentialResidualTest = .init()) {
        self.curve = curve
        transitions = TransitionMethod.allCases.map { method in
            (method, Result { () throws(CurveError) in try method.estimate(curve, test: test) })
        }
        fits = LawKind.allCases.map { kind in
            (kind, Result { () throws(CurveError) in
                try kind.fit(curve, afterTransition: kind == .lensllm, test: test)
            })
        }
        corollaryShape = Result { () throws(CurveError) in
            do {
                return try CorollaryShape.fit(curve)
            } catch {
                throw CurveError("model \"\(curve.model)\": Corollary 1 shape: \(error)")
            }
        }
    }
}
