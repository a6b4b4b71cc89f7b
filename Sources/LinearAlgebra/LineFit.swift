import _CGSL

/// The ordinary least-squares line y ≈ intercept + slope · x (GSL `gsl_fit_linear`).
public struct LineFit: Sendable, Equatable {
    public var intercept: Double
    public var slope: Double
    /// Σᵢ (yᵢ − intercept − slope xᵢ)².
    public var sumOfSquares: Double

    /// Fits the line to (xᵢ, yᵢ); needs at least two distinct x.
    /// - Complexity: O(n).
    public init(x: [Double], y: [Double]) {
        precondition(x.count == y.count && x.count >= 2, "a line needs two or more points")
        GSL.initialise()
        var c0 = 0.0, c1 = 0.0, cov00 = 0.0, cov01 = 0.0, cov11 = 0.0, sumsq = 0.0
        gsl_fit_linear(x, 1, y, 1, x.count, &c0, &c1, &cov00, &cov01, &cov11, &sumsq)
        (intercept, slope, sumOfSquares) = (c0, c1, sumsq)
    }

    public func callAsFunction(_ x: Double) -> Double { intercept + slope * x }
}
