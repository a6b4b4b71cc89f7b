/// Everything the toolkit says about one curve: the three transition estimates and the three
/// law fits (the LensLLM law after the residual-test transition, as the paper uses it). A part
/// that cannot be computed keeps its error, so a report shows why instead of a gap.
public struct CurveAnalysis: Sendable {
    public var curve: LossCurve
    public var transitions: [(method: TransitionMethod, result: Result<TransitionEstimate, CurveError>)]
    public var fits: [(kind: LawKind, result: Result<LawFit, CurveError>)]

    public init(_ curve: LossCurve, test: SequentialResidualTest = .init(), source: String) {
        self.curve = curve
        transitions = TransitionMethod.allCases.map { method in
            (method, Result { () throws(CurveError) in try method.estimate(curve, test: test, source: source) })
        }
        fits = LawKind.allCases.map { kind in
            (kind, Result { () throws(CurveError) in
                try kind.fit(curve, afterTransition: kind == .lensllm, test: test, source: source)
            })
        }
    }
}
