import Curves

/// A measured candidate with what the toolkit makes of its curve: the transitions and law fits of
/// `CurveAnalysis`, and the LensLLM law on the whole curve with the pretrained checkpoint's tangent-kernel
/// offset (eq. 9-10): F = F(Θ, t) at the fine-tuning steps t of the largest size (the paper's phase
/// fitting, B, β, E free) and with t fitted (its prediction case).
public struct CandidateAnalysis: Sendable {
    public var result: CandidateStudy.Result
    public var curve: CurveAnalysis
    public var kernelFits: [(label: String, fit: Result<LawFit, CurveError>)]

    public init(_ result: CandidateStudy.Result) {
        self.result = result
        let curve = result.curve
        self.curve = CurveAnalysis(curve)
        let kernel = result.kernel
        kernelFits = [
            ("lensllm, F from the kernel at the run's \(Int(kernel.steps)) steps", .fixed(kernel.offset)),
            ("lensllm, F from the kernel, t fitted", .kernel(kernel.spectral)),
        ].map { label, offset in
            (label, Result { () throws(CurveError) in try LawKind.lensllm.fit(curve, offset: offset) })
        }
    }
}
