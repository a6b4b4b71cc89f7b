import Curves
import Foundation
import LinearAlgebra
import Models
import Theory

/// Lemmas 1-4 of the paper. Their statements are not in any source this toolkit was built from (the
/// paper's appendix; its abstract page, code and mirrors do not state them), so no verdict can be
/// reached; what they speak of is measured on the toolkit's fine-tuned GPT-2s across n, so that a reader
/// with the statements can judge them: the block Hessian traces and the per-sample gradient variance at
/// the fine-tuned weights (Lemmas 2 and 3), and the distance ‖v_i‖ fine-tuning moves each block (Lemma 4).
func lemmas(_ e: Evidence) -> [CheckResult] {
    let c = e.corollary, sizes = c.sizes
    func missing(_ which: String) -> String { "\(which) not available here (the paper's appendix is not among the sources at hand); " }
    func exponent(_ name: String, _ values: [Double]) -> String {
        let kept = zip(sizes, values).filter { $0.1 > 0 && $0.1.isFinite }
        guard kept.count >= 3, let line = try? PowerLawLine.fit(n: kept.map(\.0), y: kept.map(\.1)) else {
            return "\(name): too few positive values for a power law"
        }
        // The line is y = c n^(-exponent): report the growth rate d log y / d log n = -exponent.
        let rate = -line.exponent, interval = line.exponentInterval.map { (-$0.upperBound)...(-$0.lowerBound) }
        return "\(name) ~ n^\(num(rate, 3))" + (interval.map { " [\(num($0.lowerBound, 3)), \(num($0.upperBound, 3))]" } ?? "") + " over n = \(kept.map { "\(Int($0.0))" }.joined(separator: ", "))"
    }

    // Lemmas 2 and 3: tr(H_i) of the mean training loss (measured by the study), and the variance of the
    // per-sample gradients at the fine-tuned weights, (1/n) sum_j ||g_j - mean g||^2.
    let traceSums = c.checkpoints.map { $0.traces.reduce(0) { $0 + $1.value } }
    let (_, pool, _) = e.transfer
    let variances = c.checkpoints.map { point -> Double in
        let model = GPT2<Double>(e.finetuned[point.n]!)
        let gradients = (0..<point.n).map { model.gradient(pool.sequence($0)).gradient }
        let p = gradients[0].count, n = Double(point.n)
        var mean = [Double](repeating: 0, count: p)
        for g in gradients { for i in 0..<p { mean[i] += g[i] / n } }
        return gradients.reduce(0) { total, g in total + (0..<p).reduce(0) { $0 + (g[$1] - mean[$1]) * (g[$1] - mean[$1]) } } / n
    }
    var traceLines = zip(c.checkpoints, zip(traceSums, variances)).map { point, values in
        "n = \(point.n): sum_i tr(H_i) = \(num(values.0)), per-sample gradient variance = \(num(values.1))"
    }
    traceLines += [exponent("sum_i tr(H_i)", traceSums), exponent("gradient variance", variances)]

    // Lemma 4: ||v_i|| = ||theta_i(fine-tuned) - theta_i(pretrained)|| per block, and in all.
    let (pretrained, _, _) = e.transfer
    let blocks = pretrained.layout.blocks
    let norms = c.checkpoints.map { point -> [Double] in
        let tuned = e.finetuned[point.n]!
        return blocks.map { block in
            pretrained.layout.range(of: block).reduce(0) { $0 + pow(tuned.values[$1] - pretrained.values[$1], 2) }.squareRoot()
        }
    }
    let totals = norms.map { ($0.reduce(0) { $0 + $1 * $1 }).squareRoot() }
    var distanceLines = zip(c.checkpoints, zip(norms, totals)).map { point, values in
        "n = \(point.n): ||v|| = \(num(values.1)); per block " + zip(blocks, values.0).map { "\($0.name) \(num($1))" }.joined(separator: ", ")
    }
    distanceLines.append(exponent("||v||", totals))

    return [
        CheckResult(claim: "Lemma 1", tests: "nothing: no measurement can stand in for an unknown statement", data: "-", measured: [],
                    verdict: .notTestable(missing("its statement is") + "with it, a check over the same fine-tuned pairs would decide")),
        CheckResult(claim: "Lemmas 2 and 3 (Hessian trace and gradient variance against n)",
                    tests: "the sum of the block traces tr(H_i) of the mean training loss (Hutch++ estimates of the study) and the variance of the per-sample gradients at the fine-tuned weights, at every n, with their power-law rates in n (95% intervals)",
                    data: e.studyDescription, measured: traceLines,
                    verdict: .notTestable(missing("their statements are") + "the rates measured here decide them once the rates or bounds they claim are known")),
        CheckResult(claim: "Lemma 4 (the distance bound across n)",
                    tests: "||v_i||, the distance fine-tuning moves each block, at every n, and the rate of ||v|| in n",
                    data: e.studyDescription, measured: distanceLines,
                    verdict: .notTestable(missing("its statement is") + "the distances measured here decide it once its bound is known")),
    ]
}
