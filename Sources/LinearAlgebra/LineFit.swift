import _CGSL

/// The ordinary least-squares line y ≈ intercept + slope · x (GSL `gsl_fit_linear`).
public struct LineFit: Sendable {
    public var intercept: Double
    public var slope: Double
    /// Σᵢ (yᵢ − intercept − slope xᵢ)².
    public var sumOfSquares: Double
    /// The points fitted.
    public var pointCount: Int
    /// Var(intercept), Cov(intercept, slope), Var(slope), estimated from the scatter about the line,
    /// σ̂² (XᵀX)⁻¹ with σ̂² = sumOfSquares / (m − 2); not finite for two points.
    public var covariance: (intercept: Double, cross: Double, slope: Double)

    /// Fits the line to (xᵢ, yᵢ); needs at least two distinct x.
    /// - Complexity: O(n).
    public init(x: [Double], y: [Double]) {
        precondition(x.count == y.count && x.count >= 2, "a line needs two or more points")
        GSL.initialise()
        var c0 = 0.0, c1 = 0.0, cov00 = 0.0, cov01 = 0.0, cov11 = 0.0, sumsq = 0.0
        gsl_fit_linear(x, 1, y, 1, x.count, &c0, &c1, &cov00, &cov01, &cov11, &sumsq)
        (intercept, slope, sumOfSquares, pointCount) = (c0, c1, sumsq, x.count)
        covariance = x.count > 2 ? (cov00, cov01, cov11) : (.infinity, .infinity, .infinity)
    }

    /// The two-sided `level` confidence interval of the slope, from Student's t with m − 2 degrees of
    /// freedom (exact for independent normal errors); nil for two points.
    public func slopeInterval(level: Double) -> ClosedRange<Double>? {
        guard pointCount > 2 else { return nil }
        let half = Statistics.studentTQuantile((1 + level) / 2, degreesOfFreedom: Double(pointCount - 2)) * covariance.slope.squareRoot()
        return (slope - half)...(slope + half)
    }

    /// The same for the intercept.
    public func interceptInterval(level: Double) -> ClosedRange<Double>? {
        guard pointCount > 2 else { return nil }
        let half = Statistics.studentTQuantile((1 + level) / 2, degreesOfFreedom: Double(pointCount - 2)) * covariance.intercept.squareRoot()
        return (intercept - half)...(intercept + half)
    }

    public func callAsFunction(_ x: Double) -> Double { intercept + slope * x }
}
