import Curves
import Foundation
import LinearAlgebra
import Models
import Theory

/// Lemmas 2-4 of Appendix B (Lemma 1, Cauchy-Schwarz, is checked with Proposition 1 (1)). The extracted
/// appendix lost its symbols, so each check names the reading it takes of the surviving words and the
/// slides' formulas. Measured on the toolkit's fine-tuned GPT-2s across n: the block Hessian traces and the
/// per-sample gradient variance at the fine-tuned weights (Lemmas 2 and 3), and the distance ||v_i||
/// fine-tuning moves each block (Lemma 4).
func lemmas(_ e: Evidence) -> [CheckResult] {
    func exponent(_ name: String, _ sizes: [Double], _ values: [Double]) -> String {
        let kept = zip(sizes, values).filter { $0.1 > 0 && $0.1.isFinite }
        guard kept.count >= 3, let line = try? PowerLawLine.fit(n: kept.map(\.0), y: kept.map(\.1)) else {
            return "\(name): too few positive values for a power law"
        }
        // The line is y = c n^(-exponent): report the growth rate d log y / d log n = -exponent.
        let rate = -line.exponent, interval = line.exponentInterval.map { (-$0.upperBound)...(-$0.lowerBound) }
        return "\(name) ~ n^\(num(rate, 3))" + (interval.map { " [\(num($0.lowerBound, 3)), \(num($0.upperBound, 3))]" } ?? "") + " over n = \(kept.map { "\(Int($0.0))" }.joined(separator: ", "))"
    }

    // Lemmas 2 and 3, per seed: tr(H_i) of the mean training loss (measured by the study), and the variance
    // of the gradient of the empirical loss, sigma^2(n) / n with sigma^2(n) = (1/n) sum_j ||g_j - mean g||^2
    // the per-sample variance at the fine-tuned weights (eq. 22's CLT step).
    var traceLines: [String] = [], varianceLines: [String] = []
    var lemmaTwo: [(seed: UInt64, verdict: Verdict)] = [], lemmaThree: [(seed: UInt64, verdict: Verdict)] = []
    for r in e.replicates {
        let c = r.corollary
        let traceSums = c.checkpoints.map { $0.traces.reduce(0) { $0 + $1.value } }
        let perSample = c.checkpoints.map { point -> Double in
            let model = GPT2<Double>(r.finetuned[point.n]!)
            let gradients = (0..<point.n).map { model.gradient(r.pool.sequence($0)).gradient }
            let p = gradients[0].count, n = Double(point.n)
            var mean = [Double](repeating: 0, count: p)
            for g in gradients { for i in 0..<p { mean[i] += g[i] / n } }
            return gradients.reduce(0) { total, g in total + (0..<p).reduce(0) { $0 + (g[$1] - mean[$1]) * (g[$1] - mean[$1]) } } / n
        }
        let variances = zip(perSample, c.sizes).map { $0 / $1 }
        traceLines += zip(c.checkpoints, zip(traceSums, zip(variances, perSample))).map { point, values in
            "seed \(r.seed), n = \(point.n): sum_i tr(H_i) = \(num(values.0)), variance of the mean gradient sigma^2 / n = \(num(values.1.0)) "
                + "(per-sample sigma^2 = \(num(values.1.1)))"
        }
        var fitLines: [String] = []
        let beta1 = describeDecay("seed \(r.seed): sum_i tr(H_i)", traceDecay(c), into: &fitLines)
        let decay = describeDecay("seed \(r.seed): sigma^2 / n", Result { () throws(FitError) in try PowerLawLine.fit(n: c.sizes, y: variances) }, into: &fitLines)
        fitLines.append(exponent("seed \(r.seed): per-sample sigma^2 (not the lemma's quantity, for comparison)", c.sizes, perSample))
        traceLines += fitLines
        varianceLines += fitLines
        lemmaTwo.append((r.seed, exponentsAgreeVerdict(beta1, decay, names: ("sum_i tr(H_i)", "sigma^2 / n"))))
        lemmaThree.append((r.seed, decayVerdict(decay, of: "the gradient variance sigma^2 / n", exponent: "its decay exponent")))
    }

    // Lemma 4: ||v_i|| = ||theta_i(fine-tuned) - theta_i(pretrained)|| per block, and in all (first seed).
    let r = e.replicates[0], pretrained = e.transfer.pretrained
    let blocks = pretrained.layout.blocks
    let norms = r.corollary.checkpoints.map { point -> [Double] in
        let tuned = r.finetuned[point.n]!
        return blocks.map { block in
            block.range.reduce(0) { $0 + pow(tuned.values[$1] - pretrained.values[$1], 2) }.squareRoot()
        }
    }
    let totals = norms.map { ($0.reduce(0) { $0 + $1 * $1 }).squareRoot() }
    var distanceLines = zip(r.corollary.checkpoints, zip(norms, totals)).map { point, values in
        "seed \(r.seed), n = \(point.n): ||v|| = \(num(values.1)); per block " + zip(blocks, values.0).map { "\($0.name) \(num($1))" }.joined(separator: ", ")
    }
    distanceLines.append(exponent("||v||", r.corollary.sizes, totals))

    return [
        CheckResult(claim: "Lemma 2 (the Hessian trace scales as the gradient variance)",
                    tests: "the statement (Appendix B.2.1, Lemma 2): \"If L_hat is the empirical loss over a dataset of size n, the trace of the Hessian matrix scales as\" "
                        + "(the rate is lost in extraction; the proof makes tr(H) proportional to the gradient variance, eqs. 22-25, and B.2.1 concludes sum_i tr(H_i) "
                        + "proportional to n^-beta1, eq. 28); reading: sum_i tr(H_i) of the mean training loss (Hutch++ estimates) and the variance of the "
                        + "empirical loss's gradient, sigma^2 / n (eq. 22), at the fine-tuned weights decay with the same exponent; two-sided, per seed: FAILS "
                        + "when their 95% intervals are disjoint",
                    data: e.studyDescription, measured: traceLines, verdict: acrossSeeds(lemmaTwo)),
        CheckResult(claim: "Lemma 3 (the gradient variance decreases with n)",
                    tests: "the statement (Appendix B.2.1, Lemma 3): \"During fine-tuning, the variance of the gradient scales as [n^-beta1] for some constant\" "
                        + "(\"as the size of the dataset increases, the variance of the gradient decreases\"); reading: the variance of the empirical loss's gradient, "
                        + "sigma^2 / n with sigma^2 the per-sample gradient variance at the fine-tuned weights (as eq. 22 writes it), decays as a power of n; "
                        + "one-sided on its exponent's 95% interval, per seed",
                    data: e.studyDescription, measured: varianceLines, verdict: acrossSeeds(lemmaThree)),
        CheckResult(claim: "Lemma 4 (a bound on the distances independent of n)",
                    tests: "the statement (Appendix B.2.2, Lemma 4, eq. 33): \"There exists an upper bound for [sum_i ||v_i||], which is unrelated to the training data size\"; "
                        + "measured: ||v_i|| at every n and the rate of ||v|| in n",
                    data: e.studyDescription, measured: distanceLines,
                    verdict: .notTestable("an existence claim over all n: finitely many distances always have a bound, so no measurement refutes it; the bound the proof "
                                          + "gives (eqs. 34-38) is the radius of the distance-based regularisation of eq. 31, which fine-tuning with AdamW and weight decay "
                                          + "(the paper's setting and this study's) does not impose; a study fine-tuned under that constraint could check ||v_i|| against its radius")),
    ]
}

/// Two power-law exponents claimed equal: FAILS when their 95% intervals are disjoint, HOLDS when they
/// overlap, NOT TESTABLE when a fit failed.
func exponentsAgreeVerdict(_ a: ClosedRange<Double>?, _ b: ClosedRange<Double>?, names: (String, String)) -> Verdict {
    guard let a, let b else { return .notTestable("a power-law fit failed; more sizes would make it testable") }
    if a.overlaps(b) { return .holds }
    return .fails("\(names.0)'s exponent in [\(num(a.lowerBound, 3)), \(num(a.upperBound, 3))], \(names.1)'s in [\(num(b.lowerBound, 3)), \(num(b.upperBound, 3))]: disjoint")
}
