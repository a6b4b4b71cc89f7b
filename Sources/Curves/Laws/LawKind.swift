import Foundation

/// The three laws the toolkit fits, each as its authors use it. All are `PowerLaw`
/// B / (F + D^β) + E; they differ in F and in the points they are fitted on.
public enum LawKind: String, CaseIterable, Sendable {
    /// F = 0: B / D^β + E, on the curve's points.
    case vanilla
    /// F free (Lin et al.'s D_l), on the curve's points and the zero-shot point when measured.
    case rectified
    /// LensLLM eq. 10: F given (from an NTK) or free, on the curve's points.
    case lensllm
}

/// A law fitted to (part of) a curve.
public struct LawFit: Sendable {
    public var kind: LawKind
    public var fit: PowerLawFit
    /// The index of the first curve point used (> 0 when fitted after the transition).
    public var firstPoint: Int
    public var usedZeroShot: Bool

    /// The fitted law at `samples` sizes spaced evenly in log n, from the first size of `curve` it
    /// was fitted on to the curve's last: what a plot draws.
    public func sampled(on curve: LossCurve, samples: Int = 121) -> [(size: Double, loss: Double)] {
        guard let last = curve.sizes.last, firstPoint < curve.count, samples >= 2 else { return [] }
        let (from, to) = (log(curve.sizes[firstPoint]), log(last))
        return (0..<samples).map { i in
            let size = exp(from + (to - from) * Double(i) / Double(samples - 1))
            return (size, fit.law(size))
        }
    }
}

extension LawKind {
    /// The fewest curve points a fit needs (free parameters, less the zero-shot point if used).
    public func minimumPoints(offset: Offset?, zeroShot: Bool) -> Int {
        switch self {
        case .vanilla: return 3
        case .rectified: return zeroShot ? 3 : 4
        case .lensllm:
            if case .fixed = offset { return 3 }
            return 4
        }
    }

    /// Fits the law to `curve`, from its transition on when `afterTransition` (the paper's
    /// two-phase use; transition by `test`).
    /// - Parameter offset: for `lensllm`, F fixed (from an NTK) or a kernel's F(t) with t fitted; nil fits F
    ///   as a free parameter.
    /// - Throws: `CurveError` naming the model, when it has too few points or the fit fails.
    public func fit(_ curve: LossCurve, afterTransition: Bool = false, offset: Offset? = nil,
                    test: SequentialResidualTest = .init()) throws(CurveError) -> LawFit {
        let first = afterTransition ? test.transitionIndex(curve) + 1 : 0
        let points = curve.suffix(from: first)
        let useZeroShot = self == .rectified && first == 0 && curve.zeroShot != nil
        let needed = minimumPoints(offset: offset, zeroShot: useZeroShot)
        guard points.count >= needed else {
            let which = first > 0 ? "after its transition at n = \(format(curve.sizes[first - 1]))"
                : afterTransition ? "in its power phase (the residual test finds no earlier phase)" : "in all"
            throw CurveError("model \"\(curve.model)\" has \(points.count) points \(which); the \(rawValue) law needs at least \(needed)")
        }
        var sizes = points.sizes, losses = points.losses
        if useZeroShot, let z = curve.zeroShot { sizes.insert(0, at: 0); losses.insert(z, at: 0) }
        let lawOffset: Offset
        switch self {
        case .vanilla: lawOffset = .fixed(0)
        case .rectified: lawOffset = .free
        case .lensllm: lawOffset = offset ?? .free
        }
        do {
            let fit = try PowerLaw.fit(sizes: sizes, losses: losses, offset: lawOffset)
            return LawFit(kind: self, fit: fit, firstPoint: first, usedZeroShot: useZeroShot)
        } catch {
            throw CurveError("model \"\(curve.model)\": the \(rawValue) fit failed: \(error)")
        }
    }
}
