import Foundation
import LinearAlgebra

/// LensLLM's selection (Algorithm 1 with the law of eq. 10) when no NTK gives F: every candidate's
/// curve up to the budget is cut at its transition (the sequential residual test), and the law
/// L(D) = B / (F + D^β) + E is fitted to the power-phase points and evaluated at the target.
///
/// A power phase seen through a small budget has as few as k = 3 points, too few to pin four
/// parameters: E and F trade off against β, and the extrapolation 8x to 512x beyond the data
/// follows whichever the noise picks. The candidates share the task, though, so the fit borrows
/// strength across them (empirical Bayes): each model's law is first fitted freely to all of its
/// points up to the budget; the cross-model median and robust spread (1.4826 · MAD, floored) of
/// log β, log(E / min L) (the floor relative to the model's smallest loss, which transfers across
/// models where the absolute floor does not) and log F become Gaussian priors; the power-phase fit is then the maximum a
/// posteriori estimate under those priors, with the prior pseudo-residuals scaled by the typical
/// per-point log-loss noise σ (the median log-RMSE of the free fits). Only points up to the budget,
/// of every model, inform any prediction.
/// - Complexity: two `PowerLaw.fit`s per model.
public struct LensLLMSelection: Sendable {
    public var test: SequentialResidualTest
    /// The smallest prior standard deviation in log-parameter units.
    public var minimumPriorSD: Double

    public init(test: SequentialResidualTest = .init(), minimumPriorSD: Double = 0.1) {
        self.test = test
        self.minimumPriorSD = minimumPriorSD
    }

    /// The priors the candidates share, from free fits of each to all its points (a model whose
    /// free fit fails contributes nothing).
    public func priors(_ curves: [LossCurve]) -> PowerLawPriors? {
        let fits = curves.compactMap { try? PowerLaw.fit(sizes: $0.sizes, losses: $0.losses, offset: .free) }
        guard fits.count >= 3 else { return nil }
        func prior(_ values: [Double]) -> LogPrior {
            let logs = values.map { log($0) }
            let median = Statistics.median(logs)
            let mad = Statistics.median(logs.map { abs($0 - median) })
            return LogPrior(mean: median, sd: max(1.4826 * mad, minimumPriorSD))
        }
        let noise = max(Statistics.median(fits.map(\.logRMSE)), 1e-3)
        return PowerLawPriors(beta: prior(fits.map(\.law.beta)), e: prior(zip(fits, curves).map { $0.law.e / $1.losses.min()! }),
                              f: prior(fits.map(\.law.f)), noise: noise)
    }

    /// Predicted target losses and transition indices for `curves` (already cut to the budget).
    public func predict(_ curves: [LossCurve], target: Double, source: String) throws(CurveError) -> [(loss: Double, transition: Int)] {
        let shared = priors(curves)
        var out: [(Double, Int)] = []
        for curve in curves {
            guard curve.count >= 2 else {
                throw CurveError(source, "model \"\(curve.model)\" has \(curve.count) points up to the budget; lensllm needs at least 2")
            }
            let t = test.transitionIndex(curve)
            let power = curve.suffix(from: t + 1)
            guard shared != nil || power.count >= 4 else {
                throw CurveError(source, "model \"\(curve.model)\" has \(power.count) power-phase points and fewer than 3 " +
                                 "candidates could be fitted for shared priors; lensllm needs one or the other")
            }
            do {
                var own = shared
                own?.e?.mean += log(curve.losses.min()!)
                let fit = try PowerLaw.fit(sizes: power.sizes, losses: power.losses, offset: .free, priors: own)
                out.append((fit.law(target), t))
            } catch {
                throw CurveError(source, "model \"\(curve.model)\": the lensllm fit failed: \(error)")
            }
        }
        return out
    }
}
