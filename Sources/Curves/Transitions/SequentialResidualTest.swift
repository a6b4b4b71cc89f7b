import LinearAlgebra

/// The "accept then stop" transition test of the Rectified Scaling Law paper (Lin et al. 2024,
/// Algorithm 1), which LensLLM's Algorithm 1 uses to find where the power phase begins.
///
/// In log–log space, with sizes x₀ < … < x_{m−1}: for p = k, k+1, …, m−1, fit a least-squares
/// line to the p largest sizes, let s be the population standard deviation of its residuals,
/// and test the next smaller point x_{m−p−1}: if |yᵢ − line(xᵢ)| / s > δ, stop. The transition
/// index is m − p − 1 at the stop, the last point of the pre-power phase; when no point is
/// rejected, p ends at m − 1 and the transition index is 0 (the smallest size is still left out,
/// as the reference implementation does). With m ≤ k the test cannot run and the index is −1
/// (every point is in the power phase).
/// - Complexity: O(m²).
public struct SequentialResidualTest: Sendable, Equatable {
    /// Points in the first fit.
    public var k: Int
    /// Stop threshold in residual standard deviations.
    public var delta: Double

    public init(k: Int = 3, delta: Double = 5) {
        precondition(k >= 2, "a line needs at least two points")
        self.k = k
        self.delta = delta
    }

    /// The index of the last pre-power-phase point, or −1 when all points are in the power phase.
    public func transitionIndex(logSizes x: [Double], logLosses y: [Double]) -> Int {
        let m = x.count
        guard m > k else { return -1 }
        var p = k
        while p < m {
            let line = LineFit(x: Array(x[(m - p)...]), y: Array(y[(m - p)...]))
            let residuals = (m - p..<m).map { y[$0] - line(x[$0]) }
            let s = Statistics.populationStandardDeviation(residuals)
            let test = m - p - 1
            let deviation = abs(y[test] - line(x[test]))
            // As numpy evaluates |r| / s > δ: s = 0 gives +inf (stop) unless r = 0 too (NaN, go on).
            if s > 0 ? deviation / s > delta : deviation > 0 { break }
            if p == m - 1 { break }
            p += 1
        }
        return m - p - 1
    }

    public func transitionIndex(_ curve: LossCurve) -> Int {
        transitionIndex(logSizes: curve.logSizes, logLosses: curve.logLosses)
    }
}
