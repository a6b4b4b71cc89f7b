import Foundation
import LinearAlgebra

/// How much a loss curve still bends where it is last seen: the curvature κ = d²(log L) / d(log D)² of
/// its power phase, from a least-squares quadratic in log–log through the points after its transition
/// (at least the last three; LAPACK `dgelsy` on the centred sizes).
///
/// A law that matches a curve's level and slope at the budget misses, at a distance d = log(target /
/// budget) further on, the Taylor term ½ κ d² if the bend persists: `scale(distance:)` is that term, the
/// unit in which `ExtrapolationCalibration` measures extrapolation errors. A curve that has straightened
/// (κ ≈ 0) is expected to extrapolate well; one still steepening or flattening, less so.
/// - Complexity: O(p) for p points.
public struct CurveBend: Sendable, Equatable {
    /// κ, in log L per (log D)².
    public var curvature: Double
    /// The points the quadratic went through.
    public var points: Int

    /// The bend of `curve` past `transition` (its last pre-power-phase index, −1 for none), taking at least
    /// the last three points; nil when the curve has fewer than three, or its sizes cannot pin a quadratic.
    public init?(_ curve: LossCurve, transition: Int) {
        let count = curve.count
        guard count >= 3 else { return nil }
        let start = min(max(transition + 1, 0), count - 3)
        let x = Array(curve.logSizes[start...]), y = Array(curve.logLosses[start...])
        let centre = Statistics.mean(x)
        let design = x.flatMap { xi -> [Double] in [1, xi - centre, (xi - centre) * (xi - centre)] }
        guard let fit = solveLinearLeastSquares(design, rows: x.count, columns: 3, y), fit.solution[2].isFinite else { return nil }
        // A quadratic term whose whole effect over the points, a₂ r² (r the largest |log D − centre|), is
        // at the level of the losses' round-off is not resolved: the curve is a line up to round-off.
        let reach = x.map { ($0 - centre) * ($0 - centre) }.max()!, level = y.map(abs).max()!
        let resolved = abs(fit.solution[2]) * reach > Self.roundOffFactor * Double.ulpOfOne * level
        (curvature, points) = (resolved ? 2 * fit.solution[2] : 0, x.count)
    }

    /// The multiple of ε · max |log L| below which a quadratic term is round-off (as `SequentialResidualTest`'s).
    static let roundOffFactor = SequentialResidualTest.roundOffFactor

    /// ½ |κ| d²: the log-loss error a persisting bend makes over an extrapolation of `distance` = log(target / budget).
    public func scale(distance: Double) -> Double { 0.5 * abs(curvature) * distance * distance }
}
