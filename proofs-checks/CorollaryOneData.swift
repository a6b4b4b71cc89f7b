import Curves
import Theory

/// Corollary 1 against data: beta3 = (beta2 + 1)/2 from the fitted decay of the Hessian terms, confronted
/// with the exponent gamma of the measured generalization gap L - L_hat ~ c n^-gamma, over all sizes and
/// over the sizes from the peak of sum_i h_i on (where the corollary can speak). The claim holds for a
/// range when the two 95% intervals overlap.
func corollaryOneData(_ e: Evidence) -> CheckResult {
    var measured: [String] = []
    func judge(_ name: String, _ fits: CorollaryOne.Fits) -> Bool? {
        let gap = try? fits.gap.get()
        guard let d = fits.derivation, let gap else {
            measured.append("\(name): no fit (too few sizes with a positive gap)")
            return nil
        }
        func interval(_ r: ClosedRange<Double>?) -> String { r.map { " [\(num($0.lowerBound, 3)), \(num($0.upperBound, 3))]" } ?? "" }
        measured.append("\(name), n = \(fits.sizes.map(String.init).joined(separator: ", ")): beta2 = \(num(d.beta2, 3))\(interval(d.beta2Interval)), "
                        + "beta3 = \(num(d.beta3, 3))\(interval(d.beta3Interval)); measured gap exponent gamma = \(num(gap.exponent, 3))\(interval(gap.exponentInterval))"
                        + (fits.gapExcluded.isEmpty ? "" : " (sizes with a gap <= 0 left out: \(fits.gapExcluded.map(String.init).joined(separator: ", ")))"))
        return fits.gapExponentAgrees
    }
    let all = judge("all sizes", e.corollary.all)
    let beyond = e.corollary.beyondPeak.flatMap { judge("from the peak of sum_i h_i", $0) }
    let verdict: Verdict
    switch (all, beyond) {
    case (true?, true?), (true?, nil): verdict = .holds
    case (false?, _), (_, false?):
        verdict = .fails("beta3's interval and the gap exponent's do not overlap: " + measured.joined(separator: "; "))
    default: verdict = .notTestable("too few sizes with a positive measured gap to fit its exponent; more sizes would make it testable")
    }
    return CheckResult(claim: "Corollary 1 (data: beta3 = (beta2 + 1)/2 against the measured gap exponent)",
                       tests: "overlap of the 95% intervals of beta3 (from the fitted beta2 of sum_i h_i) and of the measured gap's exponent",
                       data: e.studyDescription, measured: measured, verdict: verdict)
}
