import Foundation
import LinearAlgebra

/// Predictive intervals for lensllm's extrapolated losses that hold on real curves, by split conformal
/// prediction (Vovk, Gammerman & Shafer 2005; Lei et al. 2018) on reference curve sets whose losses are
/// known far past any budget.
///
/// The fits' own (delta-method) intervals measure how well the data pin the law, not how wrong the law is
/// 8x to 512x beyond the data; on the Rectified Scaling Law benchmark they held the truth for 4 to 28 of
/// 30 models per budget. The error is measured instead, in the unit of `CurveBend`: for a prediction μ of
/// log L(target) from a curve seen up to its budget b,
///
///     s = |log L(target) − μ| / u,    u = ½ |κ| d²,   d = log(target / b),
///
/// κ the curvature of the curve's visible power phase. Reference scores come from each reference set at
/// every budget b′ of its grid with at least three points, predicting every curve's loss at b′ρ′, lensllm
/// fitted to the set's curves up to b′ as it is fitted to the scored ones; ρ′ is the reference's
/// extrapolation ratio nearest (in log) to the scored ratio target / b. That is, each reference point is
/// predicted from the points a ratio ρ′ before it. With n scores, q is the ⌈(n + 1)(1 − α)⌉-th smallest and
///
///     [exp(μ − q u), exp(μ + q u)]
///
/// holds L(target) with probability at least 1 − α when the scored curve's score is exchangeable with the
/// reference scores. They are not exactly: the scores of one reference set share its fits, pool budgets
/// with 3 to 11 visible points, and come from a task that may be unlike the scored one (the unit of
/// exchangeability is then the task, of which there are few). So the level is a calibration, not a
/// guarantee; the benchmark report measures the coverage with each data set left out of its own
/// calibration. A scored ratio more than √2 from every reference ratio gets no interval (no reference
/// extrapolated that far), and so does a curve whose visible bend is at round-off (`CurveBend`: nothing to
/// scale by); a curve that looks straight by chance gets a narrow interval, since the unit knows only the
/// bend the points show.
/// - Complexity: per distinct ratio, one lensllm fit per reference budget (O(R G) fits for R sets of G sizes).
public struct ExtrapolationCalibration: Sendable {
    /// A set of curves measured on one task well past any budget.
    public struct Reference: Sendable {
        public var name: String
        public var curves: [LossCurve]

        public init(name: String, curves: [LossCurve]) { (self.name, self.curves) = (name, curves) }
    }

    public let references: [Reference]
    /// The transition test the reference fits use (the scored selection's own).
    public let test: SequentialResidualTest
    /// References left out because they hold the scored curves (`builtIn`).
    public let leftOut: [String]
    /// The scores already measured, by scored ratio: a calibration shared by many selections fits each
    /// reference budget once.
    private let measured = MeasuredScores()

    public init(references: [Reference], test: SequentialResidualTest = .init(), leftOut: [String] = []) {
        (self.references, self.test, self.leftOut) = (references, test, leftOut)
    }

    /// Scores by ratio, filled once each, safe to share between threads.
    private final class MeasuredScores: @unchecked Sendable {
        private let lock = NSLock()
        private var byRatio: [Double: Scores?] = [:]

        func value(_ ratio: Double, _ measure: () throws(CurveError) -> Scores?) throws(CurveError) -> Scores? {
            if let known = lock.withLock({ byRatio[ratio] }) { return known }
            let found = try measure()
            lock.withLock { byRatio[ratio] = found }
            return found
        }
    }

    /// The reference scores at one extrapolation ratio.
    public struct Scores: Sendable, Equatable {
        /// ρ′, the reference ratio used.
        public var ratio: Double
        /// Sorted ascending.
        public var values: [Double]

        public init(ratio: Double, values: [Double]) { (self.ratio, self.values) = (ratio, values.sorted()) }

        /// The conformal quantile at `level`: the ⌈(n + 1) level⌉-th smallest score; nil when that exceeds n
        /// (too few scores for the level).
        public func quantile(level: Double) -> Double? {
            let rank = Int(((Double(values.count) + 1) * level).rounded(.up))
            return rank >= 1 && rank <= values.count ? values[rank - 1] : nil
        }
    }

    /// The sizes at which every curve of `curves` is measured, ascending.
    static func grid(_ curves: [LossCurve]) -> [Double] {
        guard let first = curves.first else { return [] }
        return first.sizes.filter { s in curves.allSatisfy { $0.loss(at: s) != nil } }
    }

    /// The scores at the reference ratio nearest `ratio` (in log); nil when no reference has a budget with three
    /// points and a larger size, or the nearest ratio is more than √2 from `ratio`.
    /// - Throws: `CurveError` when a reference fit fails.
    public func scores(ratio: Double) throws(CurveError) -> Scores? {
        try measured.value(ratio) { () throws(CurveError) in try measureScores(ratio: ratio) }
    }

    private func measureScores(ratio: Double) throws(CurveError) -> Scores? {
        var pairs: [(reference: Int, budget: Double, target: Double)] = []
        var nearest: Double?
        for (r, reference) in references.enumerated() {
            let sizes = Self.grid(reference.curves)
            for i in sizes.indices.dropFirst(2) {
                for target in sizes[(i + 1)...] {
                    pairs.append((r, sizes[i], target))
                    let distance = abs(log(target / sizes[i]) - log(ratio))
                    if nearest.map({ distance < abs(log($0) - log(ratio)) - 1e-12 }) ?? true { nearest = target / sizes[i] }
                }
            }
        }
        guard let matched = nearest, abs(log(matched / ratio)) <= 0.5 * log(2) + 1e-12 else { return nil }
        var values: [Double] = []
        for pair in pairs where abs(log(pair.target / pair.budget) - log(matched)) < 1e-9 {
            let curves = references[pair.reference].curves, visible = curves.map { $0.truncated(toBudget: pair.budget) }
            let result: LensLLMSelection.Result
            do {
                result = try LensLLMSelection(test: test).predict(visible, target: pair.target)
            } catch {
                throw CurveError("calibration on \(references[pair.reference].name) from \(format(pair.budget)) to \(format(pair.target)): \(error.message)")
            }
            let means = result.predictive(.fixed).map(\.mean)
            for m in curves.indices {
                guard let u = Self.unit(visible[m], transition: result.transitions[m], target: pair.target) else { continue }
                values.append(abs(log(curves[m].loss(at: pair.target)!) - means[m]) / u)
            }
        }
        return Scores(ratio: matched, values: values.sorted())
    }

    /// u = ½ |κ| d² for a curve seen up to its last size and predicted at `target`; nil below three points
    /// and for a curve without any bend (an exact line: no error to scale).
    static func unit(_ visible: LossCurve, transition: Int, target: Double) -> Double? {
        guard let bend = CurveBend(visible, transition: transition), let last = visible.sizes.last else { return nil }
        let u = bend.scale(distance: log(target / last))
        return u > 0 && u.isFinite ? u : nil
    }

    /// Calibrated intervals of a lensllm `result` on the `visible` curves it was fitted to.
    public struct Intervals: Sendable {
        /// Per candidate, the interval of its target loss at `level`; nil for a curve with fewer than three
        /// visible points or none bent (no unit to scale by), or at a ratio no reference reaches (`scores`
        /// then lacks it) or with too few scores for the level.
        public var intervals: [ClosedRange<Double>?]
        /// Per candidate, the Gaussian of log L with the interval's width (half-width / z at `level`), for
        /// the probability of being best; sd 0 where there is no interval.
        public var predictive: [LogPrediction]

        /// For each candidate, the probability that its loss is the lowest (`LogPrediction.probabilityBest`
        /// on the calibrated widths); nil unless every candidate has an interval.
        public var probabilityBest: [Double]? {
            intervals.allSatisfy { $0 != nil } ? LogPrediction.probabilityBest(predictive) : nil
        }
        public var level: Double
        /// The references and the scores used, per distinct reference ratio (one on a common grid); the
        /// references left out because they hold the scored curves.
        public var references: [String]
        public var scores: [Scores]
        public var leftOut: [String]
    }

    /// The intervals at `level` (e.g. 0.9) for `result`, fitted to `visible` and predicted at `target`.
    /// - Throws: `CurveError` when a reference fit fails.
    public func intervals(_ result: LensLLMSelection.Result, visible: [LossCurve], target: Double,
                          level: Double) throws(CurveError) -> Intervals {
        let means = result.predictive(.fixed).map(\.mean)
        var used: [Scores] = []
        var intervals: [ClosedRange<Double>?] = [], predictive: [LogPrediction] = []
        let z = Statistics.normalQuantile((1 + level) / 2)
        for (m, curve) in visible.enumerated() {
            let found = try curve.sizes.last.flatMap { last throws(CurveError) in try scores(ratio: target / last) }
            if let found, !used.contains(found) { used.append(found) }
            guard let q = found?.quantile(level: level), let u = Self.unit(curve, transition: result.transitions[m], target: target) else {
                intervals.append(nil)
                predictive.append(LogPrediction(mean: means[m], sd: 0, degreesOfFreedom: 0))
                continue
            }
            intervals.append(exp(means[m] - q * u)...exp(means[m] + q * u))
            predictive.append(LogPrediction(mean: means[m], sd: q * u / z, degreesOfFreedom: 0))
        }
        return Intervals(intervals: intervals, predictive: predictive, level: level, references: references.map(\.name), scores: used,
                         leftOut: leftOut)
    }
}

extension ExtrapolationCalibration {
    /// The built-in references (`ReferenceCurves`: the Rectified Scaling Law benchmark's FLAN and Gigaword),
    /// less any that holds one of the `scored` curves (the same model with the same losses where both are
    /// measured): a data set is never in its own calibration. Returns the calibration (nil when every
    /// reference was left out) and the names left out.
    public static func builtIn(scoredCurves scored: [LossCurve], test: SequentialResidualTest = .init())
        -> (calibration: ExtrapolationCalibration?, leftOut: [String]) {
        var kept: [Reference] = [], leftOut: [String] = []
        for (name, csv) in ReferenceCurves.rectifiedScalingLaw {
            // The embedded text is the benchmark's own CSV, which parses (a test reads every one).
            guard let set = try? CurveFile.parse(csv, source: "built-in reference \(name)") else { continue }
            if set.curves.contains(where: { reference in scored.contains { Self.sameCurve($0, reference) } }) {
                leftOut.append(name)
            } else {
                kept.append(Reference(name: name, curves: set.curves))
            }
        }
        return (kept.isEmpty ? nil : ExtrapolationCalibration(references: kept, test: test, leftOut: leftOut), leftOut)
    }

    /// References read from every CSV of `directory` (`BenchmarkProtocol.files`), each named for its file.
    /// - Throws: `CurveError` naming the directory or the file and what is wrong with it.
    public static func directory(_ directory: String, test: SequentialResidualTest = .init()) throws(CurveError) -> ExtrapolationCalibration {
        var references: [Reference] = []
        for (name, path) in try BenchmarkProtocol.files(in: directory) {
            let set = try CurveFile.read(path: path)
            guard grid(set.curves).count >= 4 else {
                throw CurveError(path, "a calibration reference needs every curve measured at 4 or more common sizes (3 to fit, 1 to predict)")
            }
            references.append(Reference(name: name, curves: set.curves))
        }
        return ExtrapolationCalibration(references: references, test: test)
    }

    /// Whether two curves are the same model measured alike: the same name, two or more sizes in common, and
    /// at each the same loss to 1 part in 10³ (what a copy rounded to four figures keeps).
    static func sameCurve(_ a: LossCurve, _ b: LossCurve) -> Bool {
        guard a.model == b.model else { return false }
        let common = zip(a.sizes, a.losses).compactMap { size, loss in b.loss(at: size).map { (loss, $0) } }
        return common.count >= 2 && common.allSatisfy { abs($0 - $1) <= 1e-3 * max(abs($0), abs($1)) }
    }
}
