import Foundation
import LinearAlgebra

/// Proposition 2 (Appendix A.3): the KL divergence between the prior and the posterior of the PAC-Bayes
/// argument, Gaussians per layer, in the paper's per-layer form (eq. 11) and its isotropic case (eq. 12):
///
///     KL(N(m0, S0) || N(m1, S1)) = (1/2) [ tr(S1^-1 S0) + (m1 - m0)^T S1^-1 (m1 - m0) - k + ln(det S1 / det S0) ],
///
/// summed over the layers when the noise is drawn independently per layer (block-diagonal covariances),
/// and with S0 = s0^2 I, S1 = s1^2 I: (1/2) [ k s0^2/s1^2 + |m1 - m0|^2 / s1^2 - k + k ln(s1^2/s0^2) ].
/// Each against Monte Carlo, E over x ~ N(m0, S0) of ln p0(x) - ln p1(x), with 200,000 seeded draws: the
/// closed form must lie within four standard errors of the mean; the per-layer sum must equal the formula
/// on the whole block-diagonal covariance. Inverses, determinants and square roots come from LAPACK's
/// eigen-decomposition. A mathematical identity: labelled an algebraic fact, not evidence.
func propositionTwo(_ e: Evidence) -> CheckResult {
    var rng = SeededGenerator(seed: 2)
    var measured: [String] = [], misses: [String] = []
    let draws = e.quick ? 50_000 : 200_000
    for (case_, layers) in [("general", [3]), ("general", [5]), ("isotropic", [4]), ("per-layer", [2, 3])] {
        let k = layers.reduce(0, +)
        let m0 = (0..<k).map { _ in rng.normal() }, m1 = (0..<k).map { _ in rng.normal() }
        // A covariance with one random positive-definite block per layer (block-diagonal across layers).
        func covariance() -> [Double] {
            if case_ == "isotropic" { return [] }
            var c = [Double](repeating: 0, count: k * k), offset = 0
            for d in layers {
                let a = (0..<(d * d)).map { _ in rng.normal() }
                for i in 0..<d { for j in 0..<d {
                    c[(offset + i) * k + offset + j] = (0..<d).reduce(i == j ? 0.5 : 0) { $0 + a[i * d + $1] * a[j * d + $1] }
                } }
                offset += d
            }
            return c
        }
        let (s0, s1) = (0.5 + rng.uniform(), 0.5 + rng.uniform())
        let c0 = case_ == "isotropic" ? (0..<(k * k)).map { $0 / k == $0 % k ? s0 * s0 : 0 } : covariance()
        let c1 = case_ == "isotropic" ? (0..<(k * k)).map { $0 / k == $0 % k ? s1 * s1 : 0 } : covariance()
        guard let (v0, q0o) = SymmetricEigen.dense(c0, n: k, vectors: true), let q0 = q0o,
              let (v1, q1o) = SymmetricEigen.dense(c1, n: k, vectors: true), let q1 = q1o else {
            misses.append("\(case_) k = \(k): LAPACK failed")
            continue
        }
        // S^-1 = Q diag(1/v) Q^T; S^(1/2) = Q diag(sqrt v) Q^T.
        func apply(_ q: [Double], _ d: [Double], _ x: [Double]) -> [Double] {
            let y = (0..<k).map { j in d[j] * (0..<k).reduce(0) { $0 + q[$1 * k + j] * x[$1] } }
            return (0..<k).map { i in (0..<k).reduce(0) { $0 + q[i * k + $1] * y[$1] } }
        }
        let inv1 = v1.map { 1 / $0 }, root0 = v0.map { $0.squareRoot() }
        let dm = zip(m1, m0).map(-)
        let logDet = v1.reduce(0) { $0 + log($1) } - v0.reduce(0) { $0 + log($1) }
        guard var closed = gaussianKL(m0: m0, s0: c0, m1: m1, s1: c1) else {
            misses.append("\(case_) k = \(k): LAPACK failed")
            continue
        }
        if layers.count > 1 {
            // eq. 11's sum over the layers, each layer's KL from its own block.
            var sum = 0.0, offset = 0
            for d in layers {
                func block(_ c: [Double]) -> [Double] { (0..<(d * d)).map { c[(offset + $0 / d) * k + offset + $0 % d] } }
                sum += gaussianKL(m0: Array(m0[offset..<(offset + d)]), s0: block(c0), m1: Array(m1[offset..<(offset + d)]), s1: block(c1)) ?? .nan
                offset += d
            }
            measured.append("per-layer sum (layers of \(layers.map(String.init).joined(separator: ", "))) \(num(sum, 10)) against the whole \(num(closed, 10))")
            if !(abs(sum - closed) <= 1e-10 * max(1, abs(closed))) { misses.append("per-layer sum \(num(sum)) != whole \(num(closed))") }
        }
        if case_ == "isotropic" {
            let iso = 0.5 * (Double(k) * s0 * s0 / (s1 * s1) + dm.reduce(0) { $0 + $1 * $1 } / (s1 * s1) - Double(k) + Double(k) * log(s1 * s1 / (s0 * s0)))
            measured.append("isotropic formula \(num(iso, 10)) against the general one \(num(closed, 10))")
            if abs(iso - closed) > 1e-12 * max(1, closed) { misses.append("isotropic formula \(num(iso)) != general \(num(closed))") }
            closed = iso
        }
        // Monte Carlo: ln p0(x) - ln p1(x) = -1/2 (x-m0)^T S0^-1 (x-m0) + 1/2 (x-m1)^T S1^-1 (x-m1) + 1/2 ln(det S1/det S0).
        let inv0 = v0.map { 1 / $0 }
        var mean = 0.0, m2 = 0.0
        for t in 1...draws {
            let z = (0..<k).map { _ in rng.normal() }
            let dx = apply(q0, root0, z), x = zip(dx, m0).map(+)
            let d1 = zip(x, m1).map(-)
            let value = -0.5 * zip(dx, apply(q0, inv0, dx)).reduce(0) { $0 + $1.0 * $1.1 }
                + 0.5 * zip(d1, apply(q1, inv1, d1)).reduce(0) { $0 + $1.0 * $1.1 } + 0.5 * logDet
            let delta = value - mean
            mean += delta / Double(t)
            m2 += delta * (value - mean)
        }
        let standardError = (m2 / Double(draws - 1) / Double(draws)).squareRoot()
        measured.append("\(case_), k = \(k): closed form \(num(closed, 8)), Monte Carlo \(num(mean, 8)) +- \(num(standardError, 3)) (\(draws) draws), "
                        + "\(num(abs(closed - mean) / standardError, 3)) standard errors apart")
        if !withinStandardErrors(closed, mean: mean, standardError: standardError) { misses.append("\(case_) k = \(k): closed form \(num(closed)) vs Monte Carlo \(num(mean)) +- \(num(standardError))") }
    }
    return CheckResult(claim: "Proposition 2 (KL divergence of the per-layer Gaussians, general and isotropic)",
                       tests: "the statement (Appendix A.3, Proposition 2, eqs. 11-12): \"Suppose the noise perturbation at layer i is drawn from a Gaussian "
                           + "distribution with mean zero and covariance [Sigma_i] ... The KL divergence between [P] and [Q] is: (11) ... For isotropic noise "
                           + "distribution at every layer: (12)\" (formulas lost in extraction); reading: the Gaussian KL per layer, summed over the layers; "
                           + "the closed forms against Monte Carlo means within four standard errors, the per-layer sum against the whole block-diagonal "
                           + "covariance, the isotropic form against the general one",
                       data: "seeded random means and covariances (k = 3, 5; isotropic k = 4; two layers of 2 and 3); no measured data needed",
                       measured: measured, verdict: misses.isEmpty ? .holds : .fails(misses.joined(separator: "; ")), algebraic: true)
}

/// Whether a closed form lies within four standard errors of a Monte Carlo mean.
func withinStandardErrors(_ closed: Double, mean: Double, standardError: Double) -> Bool {
    abs(closed - mean) <= 4 * standardError
}

/// KL(N(m0, S0) || N(m1, S1)) in closed form (covariances row-major k x k), from LAPACK's
/// eigen-decompositions; nil when LAPACK fails.
func gaussianKL(m0: [Double], s0: [Double], m1: [Double], s1: [Double]) -> Double? {
    let k = m0.count
    guard let (v0, _) = SymmetricEigen.dense(s0, n: k), let (v1, q1o) = SymmetricEigen.dense(s1, n: k, vectors: true), let q1 = q1o else { return nil }
    // S1^-1 x = Q1 diag(1/v1) Q1^T x.
    func solve(_ x: [Double]) -> [Double] {
        let y = (0..<k).map { j in (0..<k).reduce(0) { $0 + q1[$1 * k + j] * x[$1] } / v1[j] }
        return (0..<k).map { i in (0..<k).reduce(0) { $0 + q1[i * k + $1] * y[$1] } }
    }
    let trace = (0..<k).reduce(0.0) { total, j in total + solve((0..<k).map { s0[$0 * k + j] })[j] }
    let dm = zip(m1, m0).map(-)
    let mahalanobis = zip(dm, solve(dm)).reduce(0) { $0 + $1.0 * $1.1 }
    let logDet = v1.reduce(0) { $0 + log($1) } - v0.reduce(0) { $0 + log($1) }
    return 0.5 * (trace + mahalanobis - Double(k) + logDet)
}
