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
/// Least squares in log-loss over all candidates' points with GSL's Levenberg–Marquardt, θ =
/// (log β, log B₁, log F₁, …, log B_M, log F_M); multi-start over `StartGrid`'s β and F.
/// - Complexity: O(N P²) per iteration for N points in all and P = 2M + 1 parameters.
public struct SharedExponentFit: Sendable {
    /// The shared exponent β.
    public var beta: Double
    /// Its standard error from σ̂² (JᵀJ)⁻¹ (delta method), nil without residual degrees of freedom.
    public var betaStandardError: Double?
    /// Each candidate's law, in input order (E = 0).
    public var laws: [PowerLaw]
    /// RMSE in log-loss over all points.
    public var logRMSE: Double
    /// σ̂² (JᵀJ)⁻¹ over θ = (log β, log B₁, log F₁, …), row-major, and σ̂² = RSS / (N − P), with its
    /// N − P degrees of freedom; nil and 0 when N ≤ P.
    public var covariance: [Double]?
    public var residualVariance: Double?
    public var residualDegreesOfFreedom: Int

    /// Each candidate's predictive distribution of log L at `size` (`LogPrediction`): the gradient
    /// g = ∂ log L_m / ∂θ = (−β D^β log D / S, 1, −F_m / S) on (log β, log B_m, log F_m), S = F_m + D^β,
    /// gives var = gᵀ Σ g + σ̂² (delta method plus one measurement's noise).
    /// - Complexity: O(M).
    public func logPredictions(at size: Double) -> [LogPrediction] {
        let p = 1 + 2 * laws.count, x = log(size)
        return laws.indices.map { c in
            let law = laws[c], power = exp(law.beta * x), s = law.f + power
            let mean = log(law.b) - log(s)
            guard let covariance, let residualVariance else {
                return LogPrediction(mean: mean, sd: .nan, degreesOfFreedom: 0)
            }
            let index = [0, 1 + 2 * c, 2 + 2 * c], g = [-law.beta * power * x / s, 1, -law.f / s]
            var variance = residualVariance
            for i in 0..<3 { for j in 0..<3 { variance += g[i] * covariance[index[i] * p + index[j]] * g[j] } }
            return LogPrediction(mean: mean, sd: variance.squareRoot(), degreesOfFreedom: residualDegreesOfFreedom)
        }
    }

    /// Fits the candidates' curves (each with at least two points).
    /// - Throws: `FitError` when a curve has fewer than two points or no start converges.
    public static func fit(_ curves: [LossCurve]) throws(FitError) -> SharedExponentFit {
        guard !curves.isEmpty else { throw FitError("no curves to fit") }
        if let short = curves.first(where: { $0.count < 2 }) {
            throw FitError("model \"\(short.model)\" has \(short.count) point(s); the shared-exponent fit needs 2 per model")
        }
        let m = curves.count, p = 1 + 2 * m
        let n = curves.reduce(0) { $0 + $1.count }
        let logSizes = curves.map(\.logSizes), logLosses = curves.map(\.logLosses)

        // log L = log B_m − log(F_m + D^β): ∂/∂log B_m = 1, ∂/∂log F_m = −F/S, ∂/∂log β = −β D^β log D / S.
        let problem = LeastSquaresProblem(
            residualCount: n, parameterCount: p,
            residuals: { t, r in
                let beta = exp(t[0])
                var i = 0
                for c in 0..<m {
                    let (logB, f) = (t[1 + 2 * c], exp(t[2 + 2 * c]))
                    for (x, y) in zip(logSizes[c], logLosses[c]) {
                        r[i] = logB - log(f + exp(beta * x)) - y
                        i += 1
                    }
                }
            },
            jacobian: { t, J in
                let beta = exp(t[0])
                for k in 0..<(n * p) { J[k] = 0 }
                var i = 0
                for c in 0..<m {
                    let f = exp(t[2 + 2 * c])
                    for x in logSizes[c] {
                        let power = exp(beta * x), s = f + power
                        J[i * p] = -beta * power * x / s
                        J[i * p + 1 + 2 * c] = 1
                        J[i * p + 2 + 2 * c] = -f / s
                        i += 1
                    }
                }
            })

        // Starts: `StartGrid`'s exponents and offsets F_m (multiples of D^β at each curve's middle
        // size), B_m matching the mean of log L + log(F_m + D^β).
        let starts = StartGrid.starts([StartGrid.exponents, StartGrid.offsetMultiples]) { point in
            let (beta, multiple) = (point[0], point[1])
            var theta = [log(beta)]
            for c in 0..<m {
                let f = multiple * exp(beta * logSizes[c][logSizes[c].count / 2])
                let logB = zip(logSizes[c], logLosses[c]).map { $1 + log(f + exp(beta * $0)) }.reduce(0, +)
                    / Double(logSizes[c].count)
                theta += [logB, log(f)]
            }
            return theta
        }
        let solution: LeastSquaresSolution
        do {
            // ftol ends the drift of log F_m towards −∞ for a candidate whose power phase is a
            // line (F_m → 0), where the step never meets xtol: the cost has stopped falling, by less
            // than 1e-12 relative, round-off for sums of squares of O(1) log residuals.
            let stalledCost = 1e-12
            solution = try solveLeastSquares(problem, starts: starts, polish: StartGrid.polished, ftol: stalledCost, solver: .cholesky)
        } catch {
            throw FitError("the shared-exponent fit failed: \(error)")
        }
        let t = solution.parameters
        let beta = exp(t[0])
        let laws = (0..<m).map { c in PowerLaw(b: exp(t[1 + 2 * c]), beta: beta, e: 0, f: exp(t[2 + 2 * c])) }
        guard beta.isFinite, laws.allSatisfy({ $0.values.allSatisfy(\.isFinite) }) else {
            throw FitError("the shared-exponent fit diverged (beta = \(beta))")
        }
        var betaError: Double?, covariance: [Double]?, sigma2: Double?
        if n > p {
            let variance = solution.sumOfSquares / Double(n - p)
            betaError = beta * (variance * solution.inverseNormalMatrix[0]).squareRoot()
            covariance = solution.inverseNormalMatrix.map { variance * $0 }
            sigma2 = variance
        }
        return SharedExponentFit(beta: beta, betaStandardError: betaError, laws: laws,
                                 logRMSE: (solution.sumOfSquares / Double(n)).squareRoot(),
                                 covariance: covariance, residualVariance: sigma2, residualDegreesOfFreedom: max(0, n - p))
    }
}
