import Foundation
import LinearAlgebra

/// The LensLLM law at its straight-line boundary, fitted to the candidates of one task with their
/// exponents shrunk toward a common one:
///
///     L_m(D) = B_m D^−β_m,        m = 1 … M,
///
/// eq. 10 with F = 0 and E = 0: far into the power phase (D^β ≫ F) the law is a line in log–log.
/// Each curve's least-squares line gives β̂_m with sampling variance v_m = σ̂² / S_xx,m (σ̂² the
/// residual variance pooled over all curves, S_xx,m = Σ (log Dᵢ − mean)² of curve m). With the
/// exponents of a task drawn as β_m ~ N(β̄, τ²), the posterior mean of each is
///
///     β̃_m = β̄ + τ² / (τ² + v_m) · (β̂_m − β̄),   β̄ = Σ w_m β̂_m / Σ w_m,  w_m = 1 / (τ² + v_m),
///
/// with τ² estimated by moments, τ² = max(0, var(β̂) − mean(v)) (empirical Bayes, as in
/// DerSimonian–Laird). A curve whose own points pin its slope keeps it; one seen through three noisy
/// points borrows from the others. The line passes through the curve's centroid in log–log, where a
/// least-squares line does, so only its slope changes.
/// - Complexity: O(N) for N points in all.
public struct ShrunkExponentFit: Sendable {
    /// The common exponent β̄.
    public var meanExponent: Double
    /// τ, the spread of the exponents across the candidates beyond their sampling noise.
    public var spread: Double
    /// Each candidate's law, in input order (F = 0, E = 0, β = β̃_m).
    public var laws: [PowerLaw]
    /// Each curve's centroid (mean log D, mean log L) and point count, through which its line passes.
    public var centroids: [(x: Double, y: Double, count: Int)]
    /// The variance of each shrunk exponent: τ² v_m / (τ² + v_m) from the curve, plus
    /// (v_m / (τ² + v_m))² / Σ w for the estimated common mean β̄.
    public var exponentVariances: [Double]
    /// σ̂², the residual variance pooled over all curves, with Σ (n_m − 2) degrees of freedom.
    public var residualVariance: Double
    public var residualDegreesOfFreedom: Int

    /// Each candidate's predictive distribution of log L at `size`: var = σ̂² / n_m + (log D − x̄_m)²
    /// var(β̃_m) + σ̂² (the centroid, the slope, one measurement's noise), the hyper-parameter τ² taken
    /// as known.
    /// - Complexity: O(M).
    public func logPredictions(at size: Double) -> [LogPrediction] {
        let x = log(size)
        return laws.indices.map { c in
            let (cx, cy, count) = centroids[c]
            let mean = cy - laws[c].beta * (x - cx)
            guard residualDegreesOfFreedom > 0 else { return LogPrediction(mean: mean, sd: .nan, degreesOfFreedom: 0) }
            let variance = residualVariance / Double(count) + (x - cx) * (x - cx) * exponentVariances[c] + residualVariance
            return LogPrediction(mean: mean, sd: variance.squareRoot(), degreesOfFreedom: residualDegreesOfFreedom)
        }
    }

    /// Fits the candidates' curves (each with at least two distinct sizes).
    /// - Throws: `FitError` when a curve has fewer than two points.
    public static func fit(_ curves: [LossCurve]) throws(FitError) -> ShrunkExponentFit {
        guard !curves.isEmpty else { throw FitError("no curves to fit") }
        if let short = curves.first(where: { $0.count < 2 }) {
            throw FitError("model \"\(short.model)\" has \(short.count) point(s); a line needs 2")
        }
        let x = curves.map(\.logSizes), y = curves.map(\.logLosses)
        let lines = zip(x, y).map { LineFit(x: $0, y: $1) }
        let exponents = lines.map { -$0.slope }
        let degreesOfFreedom = curves.reduce(0) { $0 + $1.count - 2 }
        let residualVariance = degreesOfFreedom > 0 ? lines.reduce(0) { $0 + $1.sumOfSquares } / Double(degreesOfFreedom) : 0
        let centroids = zip(x, y).map { (x: Statistics.mean($0), y: Statistics.mean($1)) }
        let sxx = zip(x, centroids).map { xs, c in xs.reduce(0) { $0 + ($1 - c.x) * ($1 - c.x) } }
        let variances = sxx.map { residualVariance / $0 }

        let m = Double(curves.count)
        let tau2: Double
        if curves.count > 1 {
            let plainMean = Statistics.mean(exponents)
            let observed = exponents.reduce(0) { $0 + ($1 - plainMean) * ($1 - plainMean) } / (m - 1)
            tau2 = max(0, observed - Statistics.mean(variances))
        } else {
            tau2 = 0
        }
        // With no residual noise at all (every curve an exact line) each keeps its own slope.
        let weights = variances.map { tau2 + $0 > 0 ? 1 / (tau2 + $0) : 1 }
        let mean = zip(weights, exponents).reduce(0) { $0 + $1.0 * $1.1 } / weights.reduce(0, +)
        let laws = curves.indices.map { c -> PowerLaw in
            let total = tau2 + variances[c]
            let beta = total > 0 ? mean + tau2 / total * (exponents[c] - mean) : exponents[c]
            // log L = ȳ − β (log D − x̄) ⇒ B = exp(ȳ + β x̄).
            return PowerLaw(b: exp(centroids[c].y + beta * centroids[c].x), beta: beta, e: 0, f: 0)
        }
        let totalWeight = weights.reduce(0, +)
        let exponentVariances = curves.indices.map { c -> Double in
            let total = tau2 + variances[c]
            guard total > 0 else { return 0 }
            let pull = variances[c] / total
            return tau2 * variances[c] / total + pull * pull / totalWeight
        }
        return ShrunkExponentFit(meanExponent: mean, spread: tau2.squareRoot(), laws: laws,
                                 centroids: zip(centroids, curves).map { ($0.x, $0.y, $1.count) },
                                 exponentVariances: exponentVariances, residualVariance: residualVariance,
                                 residualDegreesOfFreedom: degreesOfFreedom)
    }
}
