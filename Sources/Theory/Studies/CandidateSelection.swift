import Curves
import Foundation

/// Which candidate to fine-tune, decided from what each shows up to a data budget and scored against
/// the test losses measured at the target size (PearCorr and RelAcc, as the benchmark scores them):
/// every curve method of the benchmark (`SelectionMethod`), the LensLLM law with the offset of the
/// pretrained checkpoint's tangent kernel, F = F(Θ, t) with t fitted (eq. 9-10, the paper's prediction
/// case), and NLPmetrics' mean heavy-tail exponent of the pretrained weights (`WeightSpectra`). Each
/// method's fine-tuning compute is set beside fine-tuning every candidate at the target size.
public struct CandidateSelection: Sendable {
    /// One method's verdict.
    public struct Row: Sendable {
        public var method: String
        /// Its scores (a predicted loss, log size for modelsize, α for NLPmetrics), or why it has none.
        public var scores: Result<[Double], CurveError>
        public var selected: Int?
        public var metrics: SelectionMetrics?
        /// The fine-tuning FLOPs the method needs over all candidates.
        public var flops: Double
        /// For lensllm: why it used less than its design, where it did.
        public var fallback: LensLLMSelection.Degradation? = nil
    }

    public var candidates: [String]
    public var budget: Double
    public var target: Double
    /// The measured test losses at the target.
    public var truth: [Double]
    /// The candidate with the lowest measured loss at the target.
    public var best: Int { truth.indices.min { truth[$0] < truth[$1] }! }
    public var rows: [Row]
    /// The FLOPs of fine-tuning every candidate at the target size.
    public var fullFlops: Double

    /// The FLOPs of one fine-tuning run: 6 P per token for the forward and backward passes (Kaplan et
    /// al. 2020; attention's share, 12 L T C per token, is below 10% at these widths and left out),
    /// over steps × batch × T tokens.
    public static func fineTuningFlops(_ result: CandidateStudy.Result, n: Int) -> Double {
        guard let run = result.corollary.checkpoints.first(where: { $0.n == n })?.fineTuning else { return 0 }
        return 6 * Double(result.parameterCount) * Double(run.steps) * Double(run.batchSize) * Double(result.sequenceLength)
    }

    /// - Precondition: every candidate measured at the same sizes, `budget` among them and below the largest.
    public init(_ results: [CandidateStudy.Result], budget: Double) {
        let curves = results.map(\.curve), sizes = curves[0].sizes
        precondition(results.count >= 2 && curves.allSatisfy { $0.sizes == sizes } && sizes.contains(budget) && budget < sizes.last!)
        let target = sizes.last!
        (candidates, self.budget, self.target) = (results.map(\.name), budget, target)
        let truth = curves.map { $0.losses.last! }
        self.truth = truth
        let visibleFlops = results.reduce(0.0) { total, r in
            total + sizes.filter { $0 <= budget }.reduce(0) { $0 + Self.fineTuningFlops(r, n: Int($1)) }
        }
        fullFlops = results.reduce(0) { $0 + Self.fineTuningFlops($1, n: Int(target)) }

        func row(_ method: String, flops: Double, ascending: Bool, _ scores: () throws(CurveError) -> [Double]) -> Row {
            let result = Result { () throws(CurveError) in try scores() }
            guard case .success(let s) = result else { return Row(method: method, scores: result, selected: nil, metrics: nil, flops: flops) }
            let ranks = averageRanks(s, ascending: ascending)
            return Row(method: method, scores: result, selected: bestIndex(ranks),
                       metrics: SelectionMetrics(scores: s, ranks: ranks, trueLosses: truth), flops: flops)
        }
        let settings = SelectionSettings(budget: budget, target: target)
        var rows = SelectionMethod.allCases.map { method in
            let flops: Double = switch method {
            case .zeroshot, .modelsize: 0
            default: visibleFlops
            }
            var fallback: LensLLMSelection.Degradation?
            var verdict = row(method.rawValue, flops: flops, ascending: method.scoresAreLosses) { () throws(CurveError) in
                let selection = try method.select(curves, settings: settings)
                fallback = selection.lensllm?.degradation
                return selection.scores
            }
            verdict.fallback = fallback
            return verdict
        }
        rows.append(row("lensllm, F from the NTK (t fitted)", flops: visibleFlops, ascending: true) { () throws(CurveError) in
            try zip(results, curves).map { r, curve throws(CurveError) in
                try LawKind.lensllm.fit(curve.truncated(toBudget: budget), offset: .kernel(r.kernel.spectral)).fit.law(target)
            }
        })
        rows.append(row("nlpmetrics (mean alpha)", flops: 0, ascending: true) { () throws(CurveError) in
            try results.map { r throws(CurveError) in
                guard let alpha = r.spectra.meanAlpha else {
                    throw CurveError("model \"\(r.name)\": no weight matrix has enough eigenvalues for a tail fit")
                }
                return alpha
            }
        })
        self.rows = rows
    }
}
