import Foundation
import LinearAlgebra

/// The ways to find where the pre-power phase of a loss curve ends and the power phase begins.
public enum TransitionMethod: String, CaseIterable, Sendable {
    /// The sequential residual test (`SequentialResidualTest`), LensLLM's Algorithm 1.
    case residual
    /// The continuous two-regime power law (`BrokenPowerLaw`).
    case broken
    /// The crossover D* = F^(1/β) of the fitted LensLLM law B / (F + D^β) + E, where D^β = F: the
    /// transition as the law defines it.
    case law

    /// The law's four parameters and one degree of freedom for its interval.
    static let lawMinimumPoints = 5
    /// The confidence level of the law's crossover interval, the level of the two-regime law's.
    static let lawIntervalLevel = 0.95

    public var minimumPoints: Int {
        switch self {
        case .residual: return 2
        case .broken: return BrokenPowerLaw.minimumPoints
        case .law: return Self.lawMinimumPoints
        }
    }
}

/// One method's answer for one curve.
public struct TransitionEstimate: Sendable {
    public var model: String
    public var method: TransitionMethod
    /// The transition size, or nil when the method finds none inside the data (see `finding`).
    public var size: Double?
    /// Where the transition may lie (95% for `broken` and `law`; for `residual` the gap
    /// between the last pre-power and the first power-phase size).
    public var interval: ClosedRange<Double>?
    /// RMSE in log-loss of the method's fitted curve.
    public var logRMSE: Double
    /// Method-specific quantities (slopes, exponents, test statistics), in a stable order.
    public var details: [(name: String, value: Double)]
    /// What the method concluded, with the sizes that go with it.
    public var finding: TransitionFinding
    /// The two adjacent measured sizes strictly between which a fitted interval (`broken`, `law`) lies
    /// whole: the data hold no point inside it, so they cannot tell where in it, or whether in it, the
    /// transition is; nil otherwise (and for `residual`, whose interval is such a gap by definition).
    public var unresolvedBetween: (below: Double, above: Double)?

    public init(model: String, method: TransitionMethod, size: Double?, interval: ClosedRange<Double>?, logRMSE: Double,
                details: [(name: String, value: Double)], finding: TransitionFinding) {
        (self.model, self.method, self.size, self.interval, self.logRMSE, self.details, self.finding) = (model, method, size, interval, logRMSE, details, finding)
    }

    /// `unresolvedBetween` for an interval fitted to a curve measured at `sizes` (ascending).
    public static func gap(_ interval: ClosedRange<Double>?, sizes: [Double]) -> (below: Double, above: Double)? {
        guard let interval, let i = sizes.lastIndex(where: { $0 < interval.lowerBound }), i + 1 < sizes.count,
              sizes[i + 1] > interval.upperBound else { return nil }
        return (sizes[i], sizes[i + 1])
    }
}

/// What a transition method concluded about a curve (reports put it in words).
public enum TransitionFinding: Sendable, Equatable {
    /// The residual test: every point after its first k is in the power phase.
    case allInPowerPhase
    /// The residual test: the power phase starts at this size.
    case powerPhaseFrom(Double)
    /// The two-regime law is preferred by BIC.
    case twoRegimes
    /// One regime explains the data as well (BIC); the best break, at this size, is not taken.
    case oneRegime(bestBreak: Double)
    /// The LensLLM law's F is 0: no pre-power phase.
    case noPrePowerPhase
    /// The law's crossover D^β = F lies inside the data.
    case crossover
    /// The law's crossover D* = F^(1/β), at this size, lies outside the data.
    case crossoverOutsideData(Double)
}

extension TransitionMethod {
    /// Estimates the transition of `curve`.
    /// - Throws: `CurveError` when the curve has too few points or the fit fails.
    public func estimate(_ curve: LossCurve, test: SequentialResidualTest = .init())
        throws(CurveError) -> TransitionEstimate
    {
        guard curve.count >= minimumPoints else {
            throw CurveError("model \"\(curve.model)\" has \(curve.count) points; the \(rawValue) method needs at least \(minimumPoints)")
        }
        do {
            var estimate = try estimateUnchecked(curve, test: test)
            if self != .residual { estimate.unresolvedBetween = TransitionEstimate.gap(estimate.interval, sizes: curve.sizes) }
            return estimate
        } catch {
            throw CurveError("model \"\(curve.model)\": \(rawValue) transition: \(error)")
        }
    }

    private func estimateUnchecked(_ curve: LossCurve, test: SequentialResidualTest) throws(FitError) -> TransitionEstimate {
        switch self {
        case .residual:
            let t = test.transitionIndex(curve)
            let power = curve.suffix(from: t + 1)
            let line = power.logLogLine
            let rmse = (line.sumOfSquares / Double(power.count)).squareRoot()
            let details = [("k", Double(test.k)), ("delta", test.delta), ("power_slope", line.slope),
                           ("power_points", Double(power.count))]
            guard t >= 0 else {
                return TransitionEstimate(model: curve.model, method: self, size: nil, interval: nil, logRMSE: rmse,
                                          details: details, finding: .allInPowerPhase)
            }
            return TransitionEstimate(model: curve.model, method: self, size: curve.sizes[t],
                                      interval: curve.sizes[t]...curve.sizes[t + 1], logRMSE: rmse, details: details,
                                      finding: .powerPhaseFrom(curve.sizes[t + 1]))
        case .broken:
            let fit = try BrokenPowerLaw.fit(curve)
            let details = [("slope_before", fit.slopeBefore), ("slope_after", fit.slopeAfter),
                           ("F", fit.fStatistic), ("p_nominal", fit.pValue),
                           ("delta_BIC", fit.bicOneRegime - fit.bicTwoRegimes)]
            return TransitionEstimate(model: curve.model, method: self, size: fit.hasBreak ? fit.breakSize : nil,
                                      interval: fit.hasBreak ? fit.interval : nil, logRMSE: fit.logRMSE, details: details,
                                      finding: fit.hasBreak ? .twoRegimes : .oneRegime(bestBreak: fit.breakSize))
        case .law:
            let fit = try PowerLaw.fit(sizes: curve.sizes, losses: curve.losses, offset: .free)
            let details = [("B", fit.law.b), ("beta", fit.law.beta), ("E", fit.law.e), ("F", fit.law.f)]
            guard let (size, interval) = fit.crossover(level: Self.lawIntervalLevel) else {
                return TransitionEstimate(model: curve.model, method: self, size: nil, interval: nil, logRMSE: fit.logRMSE,
                                          details: details, finding: .noPrePowerPhase)
            }
            let inside = (curve.sizes.first!...curve.sizes.last!).contains(size)
            return TransitionEstimate(model: curve.model, method: self, size: inside ? size : nil, interval: inside ? interval : nil,
                                      logRMSE: fit.logRMSE, details: details,
                                      finding: inside ? .crossover : .crossoverOutsideData(size))
        }
    }
}
