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
    var verdicts: [(seed: UInt64, verdict: Verdict)] = []
    for r in e.replicates {
        let start = measured.count
        let all = judge("seed \(r.seed), all sizes", r.corollary.all)
        let beyond = r.corollary.beyondPeak.flatMap { judge("seed \(r.seed), from the peak of sum_i h_i", $0) }
        verdicts.append((r.seed, corollaryDataVerdict(all: all, beyond: beyond, detail: measured[start...].joined(separator: "; "))))
    }
    return CheckResult(claim: "Corollary 1 (data: beta3 = (beta2 + 1)/2 against the measured gap exponent)",
                       tests: "the statement (slides, Corollary 1, eq. 7): \"L <= (1 + eps) L_hat + C3 n^-beta3 + O(n^-3/4) where C3 = sqrt(C l C2) and "
                           + "beta3 = (beta2 + 1)/2\"; reading: the generalization gap L - L_hat falls as n^-beta3, beta2 fitted on sum_i h_i; two-sided: "
                           + "FAILS when the 95% intervals of beta3 and of the measured gap's exponent are disjoint, per seed; the claim FAILS when a seed fails",
                       data: e.studyDescription, measured: measured, verdict: acrossSeeds(verdicts))
}

/// HOLDS when beta3 and the gap exponent agree over all sizes and, where fitted, beyond the peak; FAILS
/// when they disagree on either range; NOT TESTABLE when all sizes could not be fitted.
func corollaryDataVerdict(all: Bool?, beyond: Bool?, detail: String) -> Verdict {
    switch (all, beyond) {
    case (true?, true?), (true?, nil): return .holds
    case (false?, _), (_, false?): return .fails("beta3's interval and the gap exponent's do not overlap: " + detail)
    default: return .notTestable("too few sizes with a positive measured gap to fit its exponent; more sizes would make it testable")
    }
}
