import Foundation
import LinearAlgebra

/// A pure power law y = c n^(−exponent), fitted as the straight line log y = log c − exponent · log n
/// by ordinary least squares (`LineFit`), with confidence intervals from Student's t on m − 2 degrees
/// of freedom: exact when log y scatters about the line with independent normal errors, which is what
/// a quantity measured with relative noise looks like. The interval of c is exp of the intercept's.
/// Corollary 1's h_i ≤ C₂ n^(−β₂) and the measured gap c n^(−γ) are fitted this way.
/// - Complexity: O(m).
public struct PowerLawLine: Sendable {
    public var coefficient: Double
    public var exponent: Double
    /// The `level` intervals; nil with two points (no scatter to estimate them from).
    public var coefficientInterval: ClosedRange<Double>?
    public var exponentInterval: ClosedRange<Double>?
    public var level: Double
    /// Root-mean-square residual in log y.
    public var logRMSE: Double
    public var pointCount: Int

    public func callAsFunction(_ n: Double) -> Double { coefficient * pow(n, -exponent) }

    /// - Throws: `FitError` for fewer than two points, fewer than two distinct n, or a value that is
    ///   not finite and positive (a power law's logarithm is undefined there; the caller decides what
    ///   to leave out and says so).
    public static func fit(n: [Double], y: [Double], level: Double = 0.95) throws(FitError) -> PowerLawLine {
        precondition(n.count == y.count && (0..<1).contains(level))
        guard n.count >= 2 else { throw FitError("\(n.count) point(s); a power law needs two or more") }
        if let i = n.indices.first(where: { !(n[$0] > 0 && n[$0].isFinite && y[$0] > 0 && y[$0].isFinite) }) {
            throw FitError("the point (\(n[i]), \(y[i])) is not finite and positive")
        }
        guard Set(n).count >= 2 else { throw FitError("all points have the same n") }
        let line = LineFit(x: n.map(log), y: y.map(log))
        let exponentInterval = line.slopeInterval(level: level).map { (-$0.upperBound)...(-$0.lowerBound) }
        let coefficientInterval = line.interceptInterval(level: level).map { exp($0.lowerBound)...exp($0.upperBound) }
        return PowerLawLine(coefficient: exp(line.intercept), exponent: -line.slope, coefficientInterval: coefficientInterval,
                            exponentInterval: exponentInterval, level: level,
                            logRMSE: (line.sumOfSquares / Double(n.count)).squareRoot(), pointCount: n.count)
    }
}
