import Curves
import Foundation
import Theory

/// Proposition 1 (1) and Lemma 1 (Appendix B.1): sum_i sqrt(h_i) <= sqrt(l sum_i h_i) over the l blocks
/// (Cauchy-Schwarz), on the measured h_i of every pair. An algebraic fact for non-negative h_i: labelled so.
func propositionOneCauchySchwarz(_ e: Evidence) -> CheckResult {
    let pairs = e.replicates.flatMap { r in r.corollary.checkpoints.map { (n: $0.n, h: $0.bound.terms.blocks.map(\.certified)) } }
    let measured = e.corollary.checkpoints.map { (n: $0.n, h: $0.bound.terms.blocks.map(\.certified)) }.map { pair -> String in
        let (lhs, rhs) = cauchySchwarzSides(pair.h)
        return "seed \(Evidence.seeds[0]), n = \(pair.n): sum sqrt(h_i) = \(num(lhs)), sqrt(l sum h_i) = \(num(rhs)) (l = \(pair.h.count)), ratio \(num(lhs / rhs, 3))"
    }
    return CheckResult(claim: "Proposition 1 (1) and Lemma 1 (Cauchy-Schwarz over the blocks' h_i)",
                       tests: "the statement (slides, Proposition 1 (1), eq. 5; Appendix B.1, Lemma 1): \"sum_{i=1}^l sqrt(h_i) <= sqrt(l sum_{i=1}^l h_i)\"; "
                           + "reading: on the certified h_i of every pair of every seed, to round-off (1e-12 relative); the first seed's shown",
                       data: e.studyDescription, measured: measured, verdict: cauchySchwarzVerdict(pairs), algebraic: true)
}

/// The two sides of eq. 5: sum_i sqrt(h_i) and sqrt(l sum_i h_i).
func cauchySchwarzSides(_ h: [Double]) -> (lhs: Double, rhs: Double) {
    (h.reduce(0) { $0 + $1.squareRoot() }, (Double(h.count) * h.reduce(0, +)).squareRoot())
}

/// FAILS at every pair where sum_i sqrt(h_i) exceeds sqrt(l sum_i h_i) by more than round-off.
func cauchySchwarzVerdict(_ pairs: [(n: Int, h: [Double])]) -> Verdict {
    let violations = pairs.compactMap { pair -> String? in
        let (lhs, rhs) = cauchySchwarzSides(pair.h)
        return lhs > rhs * (1 + 1e-12) ? "n = \(pair.n): \(num(lhs)) > \(num(rhs))" : nil
    }
    return violations.isEmpty ? .holds : .fails(violations.joined(separator: "; "))
}

/// Proposition 1 (2): h_i <= C2 n^-beta2 with beta2 > 0 across data sizes. An upper envelope can always
/// be drawn through finitely many points with a large C2; what the data can say is whether the Hessian
/// terms fall with n: the fitted exponent of sum_i h_i (and of each block) with its 95% interval.
func propositionOnePowerLaw(_ e: Evidence) -> CheckResult {
    var measured: [String] = [], verdicts: [(seed: UInt64, verdict: Verdict)] = []
    for r in e.replicates {
        let fits = r.corollary.all
        let sum = describeDecay("seed \(r.seed): sum_i h_i over n = \(fits.sizes.map(String.init).joined(separator: ", "))", fits.sum, into: &measured)
        for (name, fit) in zip(r.corollary.blockNames, fits.blocks) { _ = describeDecay("seed \(r.seed): h_i, block \(name)", fit, into: &measured) }
        measured.append("seed \(r.seed): sum_i h_i = " + zip(r.corollary.sizes, r.corollary.hessianSums).map { "\(num($1)) (n = \(Int($0)))" }.joined(separator: ", "))
        verdicts.append((r.seed, decayVerdict(sum, of: "sum_i h_i", exponent: "beta2")))
    }
    return CheckResult(claim: "Proposition 1 (2) (h_i <= C2 n^-beta2, beta2 > 0)",
                       tests: "the statement (slides, Proposition 1 (2), eq. 6): \"h_i <= C2 n^-beta2 where C2 is independent of n\"; reading: the Hessian "
                           + "terms decay as a power of n, beta2 > 0, tested one-sided on the exponent of sum_i h_i across n by least squares in log-log "
                           + "(Student-t 95% interval), per seed: a seed HOLDS when the interval lies above 0, FAILS when it lies below, NOT TESTABLE when it "
                           + "holds 0; the claim FAILS when a seed fails and HOLDS when every seed holds; each block's exponent beside it",
                       data: e.studyDescription, measured: measured, verdict: acrossSeeds(verdicts))
}

/// Proposition 1 (2)'s side condition beta2 <= beta1, beta1 the decay exponent of sum_i tr(H_i) in n
/// (Appendix B.2.1: Lemmas 2 and 3 give sum_i tr(H_i) proportional to n^-beta1).
func propositionOneExponentOrder(_ e: Evidence) -> CheckResult {
    var measured: [String] = [], verdicts: [(seed: UInt64, verdict: Verdict)] = []
    for r in e.replicates {
        let beta2 = describeDecay("seed \(r.seed): beta2, sum_i h_i", r.corollary.all.sum, into: &measured)
        let beta1 = describeDecay("seed \(r.seed): beta1, sum_i tr(H_i)", traceDecay(r.corollary), into: &measured)
        verdicts.append((r.seed, exponentOrderVerdict(beta2: beta2, beta1: beta1)))
    }
    return CheckResult(claim: "Proposition 1 (2) (beta2 <= beta1)",
                       tests: "the statement (slides, Proposition 1 (2)): \"where C2 is independent of n and beta2 <= beta1\"; reading: beta1 the decay exponent "
                           + "of sum_i tr(H_i) (Appendix B.2.1, eq. 28; Hutch++ traces of the mean training loss), beta2 that of sum_i h_i; one-sided, per seed: "
                           + "refuted only when beta2's 95% interval lies wholly above beta1's",
                       data: e.studyDescription, measured: measured, verdict: acrossSeeds(verdicts))
}

/// The power law of sum_i tr(H_i) (the study's Hutch++ traces) against n.
func traceDecay(_ c: CorollaryOne) -> Result<PowerLawLine, FitError> {
     Result { () throws(FitError) in try PowerLawLine.fit(n: c.sizes, y: c.checkpoints.map { $0.traces.reduce(0) { $0 + $1.value } }) }
}

/// Appends the measured line of a decay fit y = c n^-exponent and returns the exponent's 95% interval.
func describeDecay(_ name: String, _ fit: Result<PowerLawLine, FitError>, into measured: inout [String]) -> ClosedRange<Double>? {
    switch fit {
    case .success(let line):
        let interval = line.exponentInterval
        measured.append("\(name): decay exponent \(num(line.exponent, 3))" + (interval.map { " [\(num($0.lowerBound, 3)), \(num($0.upperBound, 3))]" } ?? ""))
        return interval
    case .failure(let error):
        measured.append("\(name): fit failed (\(error))")
        return nil
    }
}

/// A power-law decay claim, exponent > 0, from its 95% interval: HOLDS above 0, FAILS below, NOT TESTABLE
/// when the interval holds 0 or the fit failed.
func decayVerdict(_ interval: ClosedRange<Double>?, of name: String, exponent: String) -> Verdict {
    guard let interval else { return .notTestable("the power-law fit of \(name) failed; more sizes would make it testable") }
    let text = "\(exponent) in [\(num(interval.lowerBound, 3)), \(num(interval.upperBound, 3))]"
    if interval.lowerBound > 0 { return .holds }
    if interval.upperBound < 0 { return .fails("\(name) grows with n: \(text)") }
    return .notTestable("\(text) holds 0: the decay is not resolved over these sizes; more sizes or a wider range of n would decide")
}

/// beta2 <= beta1, one-sided: FAILS only when beta2's interval lies wholly above beta1's.
func exponentOrderVerdict(beta2: ClosedRange<Double>?, beta1: ClosedRange<Double>?) -> Verdict {
    guard let beta2, let beta1 else { return .notTestable("an exponent's fit failed; more sizes would make it testable") }
    guard beta2.lowerBound > beta1.upperBound else { return .holds }
    return .fails("beta2 in [\(num(beta2.lowerBound, 3)), \(num(beta2.upperBound, 3))] lies above beta1 in [\(num(beta1.lowerBound, 3)), \(num(beta1.upperBound, 3))]")
}
