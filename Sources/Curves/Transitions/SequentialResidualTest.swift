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
///
/// Each fit adds one point to the one before, so the line and its residual sum of squares are updated
/// from centred running moments (Welford's updates: means, Sxx, Sxy, Syy) instead of refitted: the
/// slope is Sxy / Sxx and the residual sum of squares Syy − slope · Sxy. Where that difference is at the
/// level of its round-off (at most `roundOffFactor` · ε · p · Syy, a line through the points up to
/// round-off), s is not resolved: the fit is exact, and the test stops only at a point whose deviation
/// exceeds δ times the residual that round-off could hide, √(that floor / p). (numpy's reference divides
/// round-off by round-off there, and stops or goes on by chance.)
/// - Complexity: O(m).
public struct SequentialResidualTest: Sendable, Equatable {
    /// Points in the first fit.
    public var k: Int
    /// Stop threshold in residual standard deviations.
    public var delta: Double

    /// The multiple of ε · p · Syy below which a residual sum of squares computed from running moments
    /// is round-off (a generous bound on the error of p Welford updates and one cancellation).
    static let roundOffFactor = 64.0

    public init(k: Int = 3, delta: Double = 5) {
        precondition(k >= 2, "a line needs at least two points")
        self.k = k
        self.delta = delta
    }

    /// The index of the last pre-power-phase point, or −1 when all points are in the power phase.
    public func transitionIndex(logSizes x: [Double], logLosses y: [Double]) -> Int {
        let m = x.count
        guard m > k else { return -1 }
        var moments = RunningMoments()
        for i in (m - k)..<m { moments.add(x[i], y[i]) }
        var p = k
        while p < m {
            let test = m - p - 1
            let (slope, intercept) = moments.line
            let deviation = abs(y[test] - (intercept + slope * x[test]))
            let rss = moments.syy - slope * moments.sxy
            let floor = Self.roundOffFactor * Double.ulpOfOne * Double(p) * moments.syy
            if rss > floor {
                if deviation / (rss / Double(p)).squareRoot() > delta { break }
            } else if deviation > delta * (floor / Double(p)).squareRoot() {
                break
            }
            if p == m - 1 { break }
            moments.add(x[test], y[test])
            p += 1
        }
        return m - p - 1
    }

    public func transitionIndex(_ curve: LossCurve) -> Int {
        transitionIndex(logSizes: curve.logSizes, logLosses: curve.logLosses)
    }
}

/// Centred moments of points (x, y) added one at a time (Welford): the means, Sxx = Σ (x − x̄)²,
/// Sxy = Σ (x − x̄)(y − ȳ) and Syy = Σ (y − ȳ)², and the least-squares line they give.
struct RunningMoments {
    var count = 0.0, meanX = 0.0, meanY = 0.0, sxx = 0.0, sxy = 0.0, syy = 0.0

    mutating func add(_ x: Double, _ y: Double) {
        count += 1
        let dx = x - meanX, dy = y - meanY
        meanX += dx / count
        meanY += dy / count
        sxx += dx * (x - meanX)
        sxy += dx * (y - meanY)
        syy += dy * (y - meanY)
    }

    /// The least-squares line's slope and intercept.
    var line: (slope: Double, intercept: Double) {
        let slope = sxy / sxx
        return (slope, meanY - slope * meanX)
    }
}
