import Foundation
import LinearAlgebra

/// The LensLLM law fitted jointly to the candidates of one task with the exponent shared:
///
///     L_m(D) = B_m / (F_m + D^β),        m = 1 … M,   B_m, F_m, β > 0,
///
/// eq. 10 with E = 0 and one β for every candidate. The exponent of a data-scaling power law is set
/// mainly by the task, not by the model (Hestness et al. 2017, "Deep Learning Scaling is Predictable,
/// Empirically"); models differ in their offset F_m (how much of the task pre-training already
/// taught, the paper's F(Θ, t)) and scale B_m. Sharing β lets the candidates that are furthest into
/// their power phase pin the exponent for those that have just entered it, which a separate
/// four-parameter fit per curve cannot do from three or four points. The floor E is left out: over
/// the 8x–512x extrapolations of model selection the curves stay far from it, and on the Rectified
/// Scaling Law benchmark a free E with a widening prior lowered PearCorr (measured: FLAN 65.2 → 55.1).
///
/// Least squares in log-loss over all candidates' points, θ = (log β, log B₁, log F₁, …, log B_M, log F_M),
/// by profiling: for a given β the curves decouple, and each curve's best log B_m is the mean of
/// log L + log(F_m + D^β), which leaves one variable, log F_m, per curve (`OffsetProfile`); the summed
/// profile cost R(β) = Σ_m min over F_m is then minimised over log β. Both one-dimensional searches
/// scan a wide grid and refine the best point by Brent's method (`minimiseOnGrid`), so the cost is
/// linear in the candidates (a joint Levenberg–Marquardt step costs O(N P²) for P = 2M + 1: cubic in M).
/// The delta-method covariance σ̂² (JᵀJ)⁻¹ comes from the Jacobian at the minimum; JᵀJ is an arrowhead
/// matrix (β couples to every curve, the curves not to each other), whose inverse blocks cost O(M)
/// (`ArrowheadNormalMatrix`). A curve in its power phase has F_m at the bottom of its scan (10⁻⁸ D^β),
/// standing for F_m = 0; there the log F_m column of J is tiny but not dropped, and its term of the
/// predictive variance equals the one the F_m parametrisation gives at F_m = 0, where it is finite.
/// - Complexity: O(G_β (G_F + I) N) for N points in all, G_β and G_F grid points and I Brent steps.
public struct SharedExponentFit: Sendable {
    /// The shared exponent β.
    public var beta: Double
    /// Its standard error from σ̂² (JᵀJ)⁻¹ (delta method), nil without residual degrees of freedom.
    public var betaStandardError: Double?
    /// Each candidate's law, in input order (E = 0).
    public var laws: [PowerLaw]
    /// RMSE in log-loss over all points.
    public var logRMSE: Double
    /// Per candidate m, the block of σ̂² (JᵀJ)⁻¹ over (log β, log B_m, log F_m), row-major (3, 3), and
    /// σ̂² = RSS / (N − P) for P = 2M + 1, with its N − P degrees of freedom; nil and 0 when N ≤ P.
    public var covarianceBlocks: [[Double]]?
    public var residualVariance: Double?
    public var residualDegreesOfFreedom: Int

    /// Each candidate's predictive distribution of log L at `size` (`LogPrediction`): the gradient
    /// g = ∂ log L_m / ∂θ = (−β D^β log D / S, 1, −F_m / S) on (log β, log B_m, log F_m), S = F_m + D^β,
    /// gives var = gᵀ Σ g + σ̂² (delta method plus one measurement's noise).
    /// - Complexity: O(M).
    public func logPredictions(at size: Double) -> [LogPrediction] {
        let x = log(size)
        return laws.indices.map { c in
            let law = laws[c], power = exp(law.beta * x), s = law.f + power
            let mean = log(law.b) - log(s)
            guard let covarianceBlocks, let residualVariance else {
                return LogPrediction(mean: mean, sd: .nan, degreesOfFreedom: 0)
            }
            let block = covarianceBlocks[c], g = [-law.beta * power * x / s, 1, -law.f / s]
            var variance = residualVariance
            for i in 0..<3 { for j in 0..<3 { variance += g[i] * block[i * 3 + j] * g[j] } }
            return LogPrediction(mean: mean, sd: variance.squareRoot(), degreesOfFreedom: residualDegreesOfFreedom)
        }
    }

    /// The exponents the profile scans: geometric from 0.01 to 2.6, a factor 1.25 apart. Data-scaling
    /// exponents lie between about 0.05 and 0.7 (`StartGrid.exponents`); the range leaves a factor of
    /// four or more on either side, and a minimum beyond it is reported at its end.
    static let exponentGrid: [Double] = (0...25).map { 0.01 * pow(1.25, Double($0)) }

    /// Fits the candidates' curves (each with at least two points).
    /// - Throws: `FitError` when a curve has fewer than two points, there are fewer points than the
    ///   2M + 1 parameters, or the fit is not finite.
    public static func fit(_ curves: [LossCurve]) throws(FitError) -> SharedExponentFit {
        guard !curves.isEmpty else { throw FitError("no curves to fit") }
        if let short = curves.first(where: { $0.count < 2 }) {
            throw FitError("model \"\(short.model)\" has \(short.count) point(s); the shared-exponent fit needs 2 per model")
        }
        let m = curves.count, p = 1 + 2 * m
        let n = curves.reduce(0) { $0 + $1.count }
        // Fewer residuals than parameters leave a family of exact fits: any answer would be the grid's.
        guard n >= p else { throw FitError("the shared-exponent fit failed: \(n) residuals cannot determine \(p) parameters") }
        let profiles = curves.map { OffsetProfile(logSizes: $0.logSizes, logLosses: $0.logLosses) }
        let (logBeta, cost) = minimiseOnGrid({ logBeta in
            profiles.reduce(0) { $0 + $1.best(beta: exp(logBeta)).sumOfSquares }
        }, grid: exponentGrid.map { log($0) }, tolerance: 1e-9, relativeTolerance: 1e-7)
        let beta = exp(logBeta)
        let offsets = profiles.map { $0.best(beta: beta) }
        let laws = offsets.map { PowerLaw(b: exp($0.logB), beta: beta, e: 0, f: exp($0.logF)) }
        guard cost.isFinite, beta.isFinite, laws.allSatisfy({ $0.values.allSatisfy(\.isFinite) }) else {
            throw FitError("the shared-exponent fit is not finite (beta = \(beta), cost = \(cost))")
        }
        var betaError: Double?, blocks: [[Double]]?, sigma2: Double?
        if n > p {
            // ∂ log L / ∂θ at each point, with p/S = 1 / (1 + F/D^β) and F/S = 1 − p/S: the columns
            // (log β | log B_m, log F_m) of the arrowhead Jacobian.
            var betaColumn: [Double] = [], groups: [[Double]] = []
            for (profile, offset) in zip(profiles, offsets) {
                var g: [Double] = []
                for x in profile.logSizes {
                    let powerShare = 1 / (1 + exp(offset.logF - beta * x))
                    betaColumn.append(-beta * x * powerShare)
                    g += [1, -(1 - powerShare)]
                }
                groups.append(g)
            }
            guard let inverse = ArrowheadNormalMatrix(sharedColumn: betaColumn, groupColumns: groups, groupSize: 2).inverseBlocks() else {
                throw FitError("the shared-exponent fit's covariance failed (LAPACK)")
            }
            let variance = cost / Double(n - p)
            betaError = beta * (variance * inverse[0][0]).squareRoot()
            blocks = inverse.map { $0.map { variance * $0 } }
            sigma2 = variance
        }
        return SharedExponentFit(beta: beta, betaStandardError: betaError, laws: laws,
                                 logRMSE: (cost / Double(n)).squareRoot(),
                                 covarianceBlocks: blocks, residualVariance: sigma2, residualDegreesOfFreedom: max(0, n - p))
    }
}

/// One curve's part of the shared-exponent cost at a given β, its log B profiled out:
///
///     R_m(β) = min over φ = log F of Σᵢ (zᵢ − z̄)²,   zᵢ = log Lᵢ + log(e^φ + e^{β xᵢ}),  log B = z̄,
///
/// with xᵢ = log Dᵢ. As φ → −∞ the curve tends to the line of slope −β, as φ → +∞ to a constant; φ is
/// scanned from 10⁻⁸ to 10⁸ times D^β at the curve's middle size, half a decade apart, and refined by
/// Brent's method; a minimum at either end stands for its limit (at the bottom F ≈ 0, a curve in its
/// power phase; at the top a curve still flat, in its pre-power phase).
struct OffsetProfile {
    let logSizes: [Double]
    let logLosses: [Double]

    /// log(F / D^β) at the middle size, scanned: −8 to 8 decades, half a decade apart.
    static let decades = stride(from: -8.0, through: 8.0, by: 0.5).map { $0 * log(10.0) }

    /// The best log F and log B for `beta`, and the curve's sum of squared log residuals there.
    /// - Complexity: O((G + I) n) for G grid points and I Brent steps over n points.
    func best(beta: Double) -> (logF: Double, logB: Double, sumOfSquares: Double) {
        let centre = beta * logSizes[logSizes.count / 2]
        let (logF, cost) = minimiseOnGrid({ self.centred(phi: $0, beta: beta).sumOfSquares },
                                          grid: Self.decades.map { centre + $0 }, tolerance: 1e-9, relativeTolerance: 1e-7)
        return (logF, centred(phi: logF, beta: beta).mean, cost)
    }

    /// The mean of zᵢ and the sum of their squared deviations, in one pass (Welford), with
    /// log(e^φ + e^q) = max(φ, q) + log1p(e^−|φ − q|) free of overflow.
    private func centred(phi: Double, beta: Double) -> (mean: Double, sumOfSquares: Double) {
        var mean = 0.0, sumOfSquares = 0.0
        for i in logSizes.indices {
            let q = beta * logSizes[i]
            let z = logLosses[i] + max(phi, q) + log1p(exp(-abs(phi - q)))
            let delta = z - mean
            mean += delta / Double(i + 1)
            sumOfSquares += delta * (z - mean)
        }
        return (mean, sumOfSquares)
    }
}
