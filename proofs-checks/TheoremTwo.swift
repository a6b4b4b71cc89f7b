import Foundation
import LinearAlgebra
import Theory

/// Theorem 1 (Ju et al.'s bound) in the form of LensLLM's Theorem 2: with probability 0.99 over the n
/// training samples, L <= (1 + eps) L_hat + (1 + eps) sqrt(C) sum_i sqrt(h_i) / sqrt(n) + O(n^-3/4).
/// Reading: h_i >= max over (x, y) in D (the slides' eq. 4), measured as the maximum over the test
/// sequences, one probe set from D apart from the training samples for every n (the training samples'
/// own maximum is not a draw from D once the model has fitted them).
/// The O(n^-3/4) term has no stated constant, so the bound is evaluated without it, with certified h_i
/// (upper ends of the Lanczos intervals), for the loss clipped at C = 2 log V (a bounded loss, as Assumption 2
/// needs; L and L_hat are its means). A pair where
/// the bound so evaluated lies below the test loss with confidence (below the one-sided 95% lower limit
/// of L, Student t over the test sequences' clipped losses) is a counterexample to the bound without its
/// remainder, and says how large the remainder would have to be.
func theoremTwo(_ e: Evidence) -> CheckResult {
    var measured: [String] = [], pairs: [(seed: UInt64, n: Int, bound: Double, loss: Double, lowerLimit: Double)] = []
    for r in e.replicates {
        for c in r.corollary.checkpoints {
            let b = c.bound, certified = b.certified
            let lower = lowerConfidenceLimit(b.testLosses.map { min($0, b.lossBound) })
            measured.append("seed \(r.seed), n = \(c.n): L_hat \(num(b.trainLoss)), L \(num(b.testLoss)) (95% lower limit \(num(lower))), C \(num(b.lossBound)), "
                            + "sum sqrt(h_i) \(num(certified.hessianSum)), bound \(num(certified.bound)) = \(num(certified.tightness, 3)) L")
            pairs.append((r.seed, c.n, certified.bound, b.testLoss, lower))
        }
    }
    return CheckResult(claim: "Theorem 1/2 (the generalization bound, without its O(n^-3/4) term)",
                       tests: "the statement (slides, Theorem 2, eq. 4): \"with probability at least 0.99 and any fixed eps > 0: L <= (eps + 1) L_hat + "
                           + "(1 + eps) sqrt(C) sum_i sqrt(h_i) / sqrt(n) + O(n^-3/4), where h_i >= max over (x, y) in D of v_i^T H_i^+ v_i\"; reading: "
                           + "h_i over a probe set from D, the loss clipped at C, the remainder left out; whether (1 + eps) L_hat + (1 + eps) sqrt(C) sum_i sqrt(h_i) / sqrt(n), eps = 0.1, h_i the certified maximum over the "
                           + "test sequences (a probe set from D, the same for every n and seed), lies above the measured test loss L on every pair of every seed; "
                           + "one-sided: refuted by a pair whose certified bound lies below the one-sided 95% lower confidence limit of its test loss "
                           + "(Student t over the test sequences' clipped losses)",
                       data: e.studyDescription, measured: measured, verdict: theoremTwoVerdict(pairs))
}

/// FAILS at every pair whose certified bound lies below its test loss's lower confidence limit, saying how
/// large the left-out O(n^-3/4) term would have to be there; HOLDS otherwise (not refuted).
func theoremTwoVerdict(_ pairs: [(seed: UInt64, n: Int, bound: Double, loss: Double, lowerLimit: Double)]) -> Verdict {
    let below = pairs.filter { $0.bound < $0.lowerLimit }
    return below.isEmpty ? .holds : .fails(below.map {
        "seed \($0.seed), n = \($0.n): bound \(num($0.bound)) < L \(num($0.loss)); the O(n^-3/4) term would have to exceed \(num($0.loss - $0.bound)), "
            + "\(num(($0.loss - $0.bound) * Double($0.n).squareRoot() * Double($0.n).squareRoot().squareRoot())) n^-3/4"
    }.joined(separator: "; "))
}

/// The one-sided 95% lower confidence limit of a mean: x̄ − t₀.₉₅(m − 1) s / √m (−∞ for fewer than two values).
func lowerConfidenceLimit(_ x: [Double]) -> Double {
    guard x.count >= 2 else { return -.infinity }
    let m = Double(x.count), mean = x.reduce(0, +) / m
    let s = (x.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / (m - 1)).squareRoot()
    return mean - Statistics.studentTQuantile(0.95, degreesOfFreedom: m - 1) * s / m.squareRoot()
}
