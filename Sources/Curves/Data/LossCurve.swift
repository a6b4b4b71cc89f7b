import Foundation
import LinearAlgebra

/// One model's fine-tuning test loss L(n) after fine-tuning on n samples, at increasing n.
///
/// The zero-shot loss (n = 0) is kept apart from the curve proper, because every law here is
/// fitted in log n, where n = 0 has no place; methods that use it say so.
public struct LossCurve: Sendable, Equatable {
    public var model: String
    /// Subset sizes n, strictly increasing, all > 0.
    public var sizes: [Double]
    /// L(n) at `sizes`, finite and > 0.
    public var losses: [Double]
    /// L(0), the loss before fine-tuning, when measured.
    public var zeroShot: Double?
    /// The model's parameter count, when known (the benchmark's `size` column).
    public var parameterCount: Double?
    public var family: String?

    public init(model: String, sizes: [Double], losses: [Double], zeroShot: Double? = nil,
                parameterCount: Double? = nil, family: String? = nil) {
        precondition(sizes.count == losses.count)
        self.model = model
        self.sizes = sizes
        self.losses = losses
        self.zeroShot = zeroShot
        self.parameterCount = parameterCount
        self.family = family
    }

    public var count: Int { sizes.count }
    public var logSizes: [Double] { sizes.map { log($0) } }
    public var logLosses: [Double] { losses.map { log($0) } }
    /// The least-squares line through (log n, log L): the power law a pure power phase follows.
    public var logLogLine: LineFit { LineFit(x: logSizes, y: logLosses) }

    /// L(n) if n was measured.
    public func loss(at n: Double) -> Double? {
        sizes.firstIndex(of: n).map { losses[$0] }
    }

    /// The curve a method may see under a data budget: the points with n ≤ `budget`.
    public func truncated(toBudget budget: Double) -> LossCurve {
        prefix(sizes.prefix { $0 <= budget }.count)
    }

    /// The first `count` points.
    public func prefix(_ count: Int) -> LossCurve {
        var curve = self
        curve.sizes = Array(sizes.prefix(count))
        curve.losses = Array(losses.prefix(count))
        return curve
    }

    /// The points from index `start` on (the power phase after a transition).
    public func suffix(from start: Int) -> LossCurve {
        var curve = self
        curve.sizes = Array(sizes[start...])
        curve.losses = Array(losses[start...])
        return curve
    }
}

/// The loss curves of several models read from one file, in file order.
public struct CurveSet: Sendable {
    /// Where the curves came from (a path), for messages.
    public var source: String
    public var curves: [LossCurve]

    public init(source: String, curves: [LossCurve]) {
        self.source = source
        self.curves = curves
    }

    /// `body`'s result, with this set's file named in any `CurveError` it throws.
    public func locating<T>(_ body: () throws(CurveError) -> T) throws(CurveError) -> T {
        do { return try body() } catch { throw error.located(in: source) }
    }

    /// The curve of `model`, or an error naming the models the file has.
    public func curve(named model: String) throws(CurveError) -> LossCurve {
        guard let curve = curves.first(where: { $0.model == model }) else {
            throw CurveError(source, "no model named \"\(model)\"; the file has " +
                             curves.prefix(5).map { "\"\($0.model)\"" }.joined(separator: ", ") +
                             (curves.count > 5 ? " and \(curves.count - 5) more" : ""))
        }
        return curve
    }
}
