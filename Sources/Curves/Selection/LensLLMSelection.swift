import Foundation
import LinearAlgebra

/// LensLLM's selection (Algorithm 1 with the law of eq. 10) when no NTK gives F: every candidate's
/// curve up to the budget is cut at its transition (the sequential residual test), the LensLLM law
/// is fitted to all candidates' power-phase points at once, and each law is evaluated at the target.
/// Only points up to the budget, of every model, inform any prediction.
///
/// A power phase seen through a small budget has as few as k = 3 points: enough for two parameters
/// per curve, not for the law's four. The task decides which two. Where the candidates' curves still
/// bend (the phase transition not yet behind them), `SharedExponentFit` keeps B_m and F_m and shares
/// β; where they have straightened, F_m is 0 and `ShrunkExponentFit` keeps B_m and β_m, the exponents
/// shrunk toward each other. The first law can only steepen in log–log as D grows (F ≥ 0, E = 0), so
/// on straight curves it under-predicts the target loss; the second cannot bend at all.
///
/// Which of the two is chosen by how well each predicts held-back points: for h = 1 and 2, every curve
/// with h + 2 or more power-phase points loses its last h points, both designs are fitted to what is
/// left (with the shorter curves whole), and each predicts the held-back last point of those curves,
/// an extrapolation of 2x and 4x on the benchmark's grid. The design with the smaller sum over the
/// folds of the median |log predicted − log measured| is refitted to every point and predicts the
/// target. Without three curves long enough for even one fold, the shared-exponent law is used, and
/// the result says so.
/// - Complexity: up to three joint fits and three line fits per candidate.
public struct LensLLMSelection: Sendable {
    public var test: SequentialResidualTest

    /// The two ways of spending the two parameters per curve that the data afford.
    public enum Design: String, CaseIterable, Sendable {
        /// B_m / (F_m + D^β), β shared (`SharedExponentFit`).
        case sharedExponent = "shared exponent"
        /// B_m D^−β_m, exponents shrunk toward a common one (`ShrunkExponentFit`).
        case shrunkExponents = "F = 0, shrunk exponents"
    }

    /// The held-back errors of both designs (sums over the folds of the median |log error|).
    public struct Validation: Sendable, Equatable {
        public var folds: Int
        public var sharedExponent: Double
        public var shrunkExponents: Double
    }

    /// What `predict` found.
    public struct Result: Sendable {
        /// The transition index of each candidate's curve, in input order.
        public var transitions: [Int]
        /// The design chosen.
        public var design: Design
        /// nil when no three curves were long enough to hold a point back.
        public var validation: Validation?
        /// Each design's predicted losses at the target, in input order (both are fitted to every
        /// point, so that a report can show what either alone would have chosen).
        public var targetLosses: [Design: [Double]]

        /// The chosen design's predicted losses at the target.
        public var predictions: [Double] { targetLosses[design]! }
    }

    public init(test: SequentialResidualTest = .init()) {
        self.test = test
    }

    /// Predicted target losses and transition indices for `curves` (already cut to the budget).
    public func predict(_ curves: [LossCurve], target: Double, source: String) throws(CurveError) -> Result {
        var transitions: [Int] = []
        var powerPhases: [LossCurve] = []
        for curve in curves {
            guard curve.count >= 2 else {
                throw CurveError(source, "model \"\(curve.model)\" has \(curve.count) points up to the budget; lensllm needs at least 2")
            }
            let t = test.transitionIndex(curve)
            transitions.append(t)
            powerPhases.append(curve.suffix(from: t + 1))
        }
        do {
            let validation = try Self.validate(powerPhases)
            let design: Design = validation.map { $0.shrunkExponents < $0.sharedExponent ? .shrunkExponents : .sharedExponent } ?? .sharedExponent
            var targetLosses: [Design: [Double]] = [:]
            for d in Design.allCases { targetLosses[d] = try Self.fit(d, powerPhases).map { $0(target) } }
            return Result(transitions: transitions, design: design, validation: validation, targetLosses: targetLosses)
        } catch {
            throw CurveError(source, "lensllm: \(error)")
        }
    }

    static func fit(_ design: Design, _ curves: [LossCurve]) throws(FitError) -> [PowerLaw] {
        switch design {
        case .sharedExponent: return try SharedExponentFit.fit(curves).laws
        case .shrunkExponents: return try ShrunkExponentFit.fit(curves).laws
        }
    }

    /// The held-back errors of both designs over the folds h = 1, 2 that have three curves to test.
    static func validate(_ curves: [LossCurve]) throws(FitError) -> Validation? {
        var errors = (shared: 0.0, shrunk: 0.0), folds = 0
        for held in 1...2 {
            let tested = curves.indices.filter { curves[$0].count >= held + 2 }
            guard tested.count >= 3 else { continue }
            var kept = curves
            for i in tested { kept[i] = kept[i].prefix(kept[i].count - held) }
            func error(_ design: Design) throws(FitError) -> Double {
                let laws = try fit(design, kept)
                return Statistics.median(tested.map { i in abs(log(laws[i](curves[i].sizes.last!)) - log(curves[i].losses.last!)) })
            }
            errors.shared += try error(.sharedExponent)
            errors.shrunk += try error(.shrunkExponents)
            folds += 1
        }
        return folds > 0 ? Validation(folds: folds, sharedExponent: errors.shared, shrunkExponents: errors.shrunk) : nil
    }
}
