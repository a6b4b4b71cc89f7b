import Curves
import Foundation
import Theory

/// Proposition 1 (1): sum_i sqrt(h_i) <= sqrt(l sum_i h_i) over the l blocks (Cauchy-Schwarz), on the
/// measured h_i of every pair.
func propositionOneCauchySchwarz(_ e: Evidence) -> CheckResult {
    var measured: [String] = [], violations: [String] = []
    for c in e.corollary.checkpoints {
        let h = c.bound.terms.blocks.map(\.certified)
        let lhs = h.reduce(0) { $0 + $1.squareRoot() }, rhs = (Double(h.count) * h.reduce(0, +)).squareRoot()
        measured.append("n = \(c.n): sum sqrt(h_i) = \(num(lhs)), sqrt(l sum h_i) = \(num(rhs)) (l = \(h.count)), ratio \(num(lhs / rhs, 3))")
        if lhs > rhs * (1 + 1e-12) { violations.append("n = \(c.n): \(num(lhs)) > \(num(rhs))") }
    }
    return CheckResult(claim: "Proposition 1 (1) (Cauchy-Schwarz over the blocks' h_i)",
                       tests: "sum_i sqrt(h_i) <= sqrt(l sum_i h_i) on the certified h_i of every pair (to round-off, 1e-12 relative)",
                       data: e.studyDescription, measured: measured,
                       verdict: violations.isEmpty ? .holds : .fails(violations.joined(separator: "; ")))
}

/// Proposition 1 (2): h_i <= C2 n^-beta2 with beta2 > 0 across data sizes. An upper envelope can always
/// be drawn through finitely many points with a large C2; what the data can say is whether the Hessian
/// terms fall with n: the fitted exponent of sum_i h_i (and of each block) with its 95% interval.
func propositionOnePowerLaw(_ e: Evidence) -> CheckResult {
    let fits = e.corollary.all
    var measured: [String] = []
    func describe(_ name: String, _ fit: Result<PowerLawLine, FitError>) -> ClosedRange<Double>? {
        switch fit {
        case .success(let line):
            // The line is h = C2 n^(-beta2): its exponent is beta2.
            let interval = line.exponentInterval
            measured.append("\(name): beta2 = \(num(line.exponent, 3))" + (interval.map { " [\(num($0.lowerBound, 3)), \(num($0.upperBound, 3))]" } ?? ""))
            return interval
        case .failure(let error):
            measured.append("\(name): fit failed (\(error))")
            return nil
        }
    }
    let sum = describe("sum_i h_i over n = \(fits.sizes.map(String.init).joined(separator: ", "))", fits.sum)
    for (name, fit) in zip(e.corollary.blockNames, fits.blocks) { _ = describe("h_i, block \(name)", fit) }
    for (n, h) in zip(e.corollary.sizes, e.corollary.hessianSums) { measured.append("n = \(Int(n)): sum_i h_i = \(num(h))") }
    let verdict: Verdict
    switch sum {
    case .some(let interval) where interval.lowerBound > 0: verdict = .holds
    case .some(let interval) where interval.upperBound < 0:
        verdict = .fails("sum_i h_i grows with n: beta2 in [\(num(interval.lowerBound, 3)), \(num(interval.upperBound, 3))]")
    case .some(let interval):
        verdict = .notTestable("beta2's 95% interval [\(num(interval.lowerBound, 3)), \(num(interval.upperBound, 3))] holds 0: the decay is not resolved over these sizes; more sizes or a wider range of n would decide")
    case .none: verdict = .notTestable("the power-law fit of sum_i h_i failed; more sizes would make it testable")
    }
    return CheckResult(claim: "Proposition 1 (2) (h_i <= C2 n^-beta2, beta2 > 0)",
                       tests: "the exponent of sum_i h_i across n by least squares in log-log (Student-t 95% interval), and each block's",
                       data: e.studyDescription, measured: measured, verdict: verdict)
}
