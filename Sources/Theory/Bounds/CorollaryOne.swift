import Curves
import Foundation
import Hessian

/// Corollary 1 of the paper confronted with checkpoints fine-tuned on n₁ < … < n_k samples.
///
/// The corollary: if the Hessian terms decay as h_i ≤ C₂ n^(−β₂), Theorem 2's Hessian term
/// T(n) = √C Σᵢ √h_i / √n (l blocks) is at most C₃ n^(−β₃), with
///
///     β₃ = (β₂ + 1) / 2,        C₃ = √(C l C₂),
///
/// so that L ≤ (1 + ε) L̂ + (1 + ε) C₃ n^(−β₃) + O(n^(−3/4)). The constant √(C l C₂) follows from the
/// hypothesis read on the *sum*, Σᵢ h_i ≤ C₂ n^(−β₂): by Cauchy–Schwarz Σᵢ √h_i ≤ √(l Σᵢ h_i)
/// ≤ √(l C₂) n^(−β₂/2). Read on *each* block (h_i ≤ C₂ n^(−β₂) for every i) it gives only
/// Σᵢ √h_i ≤ l √C₂ n^(−β₂/2), a constant l √(C C₂), √l times larger. This type fits the sum (its
/// β₂, C₂ are the corollary's) and each block, checks the derivation under both readings at the
/// measured n (`Derivation`), and sets β₃ beside the exponents the data show: the measured gap
/// L − L̂ ≈ c n^(−γ) and T(n) itself. h_i is the certified upper end (a valid h_i); C is one
/// constant for all n, the largest of the checkpoints' C. Power laws are fitted in log-log by least
/// squares with Student-t intervals (`PowerLawLine`).
///
/// Everything is fitted twice: over all sizes, and over the sizes from the one with the largest Σᵢ h_i
/// on. Below that size the h_i grow with n (a model that has memorised a few samples sits where their
/// losses, and so their Hessians, are small), and no decay law h_i ≤ C₂ n^(−β₂) with β₂ > 0 can hold
/// there; the corollary can only speak of the sizes beyond it. The cut is the data's own maximum, not a
/// chosen constant.
public struct CorollaryOne: Sendable {
    public var checkpoints: [DataSizeCheckpoint]
    /// The blocks i, in order.
    public var blockNames: [String]
    /// ε of Theorem 2 (the same at every checkpoint).
    public var epsilon: Double
    /// C: the largest of the checkpoints' C.
    public var lossBound: Double
    /// The fits over every size.
    public var all: Fits
    /// The fits over the sizes from the largest Σᵢ h_i on, when that drops at least one size and leaves
    /// at least `Fits.minimumSizes`.
    public var beyondPeak: Fits?
    /// The index (in `sizes`) of the largest Σᵢ h_i, the first of equals.
    public var peak: Int

    /// The sizes, in order.
    public var sizes: [Double] { checkpoints.map { Double($0.n) } }
    /// h_i of block `i` at each checkpoint (certified).
    public func hessianTerms(block i: Int) -> [Double] { checkpoints.map { $0.bound.terms.blocks[i].certified } }
    /// tr(H_i) of block `i` at each checkpoint.
    public func traces(block i: Int) -> [Double] { checkpoints.map { $0.traces[i].value } }
    /// Σᵢ h_i at each checkpoint (certified).
    public var hessianSums: [Double] { checkpoints.map { $0.bound.terms.blocks.reduce(0) { $0 + $1.certified } } }
    /// T(n) = √C Σᵢ √h_i / √n at each checkpoint, with the one C.
    public var hessianTerms: [Double] {
        checkpoints.map { lossBound.squareRoot() * $0.bound.certified.hessianSum / Double($0.n).squareRoot() }
    }

    /// Fits and checks over `checkpoints` (sorted by n here).
    public init(checkpoints: [DataSizeCheckpoint]) {
        precondition(!checkpoints.isEmpty, "a Corollary 1 study needs checkpoints")
        let sorted = checkpoints.sorted { $0.n < $1.n }
        let names = sorted[0].bound.terms.blocks.map(\.block.name), c = sorted.map(\.bound.lossBound).max()!
        (self.checkpoints, blockNames, epsilon, lossBound) = (sorted, names, sorted[0].bound.epsilon, c)
        all = Fits(sorted[...], blocks: names.count, lossBound: c)
        let sums = sorted.map { $0.bound.terms.blocks.reduce(0) { $0 + $1.certified } }
        peak = sums.indices.max { sums[$0] < sums[$1] }!
        beyondPeak = peak > 0 && sums.count - peak >= Fits.minimumSizes ? Fits(sorted[peak...], blocks: names.count, lossBound: c) : nil
    }

    /// Where an interval lies against 0.
    public enum Sign: Sendable {
        case positive, negative
        /// The interval contains 0.
        case undetermined
        init(_ interval: ClosedRange<Double>) {
            self = interval.lowerBound > 0 ? .positive : interval.upperBound < 0 ? .negative : .undetermined
        }
    }

    /// The power laws of one range of sizes, and the corollary's constants from them.
    public struct Fits: Sendable {
        /// The sizes fitted.
        public var sizes: [Int]
        /// h_i(n) = C₂ n^(−β₂) per block, on the certified h_i.
        public var blocks: [Result<PowerLawLine, FitError>]
        /// Σᵢ h_i(n) = C₂ n^(−β₂): the corollary's hypothesis on the sum.
        public var sum: Result<PowerLawLine, FitError>
        /// T(n) = √C Σᵢ √h_i / √n ≈ c n^(−β): the exponent of the bound's Hessian term, measured directly.
        public var term: Result<PowerLawLine, FitError>
        /// The measured gap L − L̂ ≈ c n^(−γ), over the sizes where it is positive.
        public var gap: Result<PowerLawLine, FitError>
        /// The n whose measured gap is not positive (left out of `gap`).
        public var gapExcluded: [Int]
        /// tr(H_i)(n) ≈ a n^(−δ) per block.
        public var traces: [Result<PowerLawLine, FitError>]
        /// β₃, C₃ and the check of their derivation; nil when the sum could not be fitted.
        public var derivation: Derivation?

        /// Sizes for a fit with an interval (two points fix a line; a third gives its scatter).
        public static let minimumSizes = 3

        /// The sign of β₂ by its interval: positive is what the corollary assumes (h_i decreasing in n).
        public var beta2Sign: Sign? { derivation?.beta2Interval.map(Sign.init) }
        /// Whether the measured gap's exponent γ and β₃ have overlapping intervals; nil without both.
        public var gapExponentAgrees: Bool? { overlap((try? gap.get())?.exponentInterval, derivation?.beta3Interval) }
        /// Whether T(n)'s own exponent and β₃ have overlapping intervals; nil without both.
        public var termExponentAgrees: Bool? { overlap((try? term.get())?.exponentInterval, derivation?.beta3Interval) }

        func overlap(_ a: ClosedRange<Double>?, _ b: ClosedRange<Double>?) -> Bool? {
            guard let a, let b else { return nil }
            return a.overlaps(b)
        }

        /// Fits over `points` (sorted by n) with l = `blocks` and the one C.
        init(_ points: ArraySlice<DataSizeCheckpoint>, blocks l: Int, lossBound c: Double) {
            let sizes = points.map(\.n), n = sizes.map(Double.init)
            func fit(_ y: [Double]) -> Result<PowerLawLine, FitError> { Result { () throws(FitError) in try PowerLawLine.fit(n: n, y: y) } }
            let perBlock = points.map { $0.bound.terms.blocks.map(\.certified) }
            let sums = perBlock.map { $0.reduce(0, +) }
            let terms = points.map { c.squareRoot() * $0.bound.certified.hessianSum / Double($0.n).squareRoot() }
            let gaps = points.map(\.bound.measuredGap)
            let kept = gaps.indices.filter { gaps[$0] > 0 }
            self.sizes = sizes
            blocks = (0..<l).map { i in fit(perBlock.map { $0[i] }) }
            traces = (0..<l).map { i in fit(points.map { $0.traces[i].value }) }
            gapExcluded = gaps.indices.filter { !(gaps[$0] > 0) }.map { sizes[$0] }
            gap = Result { () throws(FitError) in try PowerLawLine.fit(n: kept.map { n[$0] }, y: kept.map { gaps[$0] }) }
            sum = fit(sums)
            term = fit(terms)
            derivation = (try? sum.get()).map { CorollaryOne.derive($0, sums: sums, blocks: perBlock, terms: terms, n: sizes, c: c) }
    }
    }

    /// β₃ and C₃ from the fitted β₂ and C₂, and the corollary's inequality checked at the measured n.
    public struct Derivation: Sendable {
        /// From the sum's fit, with its intervals.
        public var beta2: Double
        public var beta2Interval: ClosedRange<Double>?
        public var c2: Double
        public var c2Interval: ClosedRange<Double>?
        /// β₃ = (β₂ + 1)/2 and C₃ = √(C l C₂), with the intervals these maps carry over (both increasing).
        public var beta3: Double
        public var beta3Interval: ClosedRange<Double>?
        public var c3: Double
        public var c3Interval: ClosedRange<Double>?
        /// Sum reading: the least C₂ with Σᵢ h_i(n) ≤ C₂ n^(−β₂) at every measured n (at the fitted β₂),
        /// and the paper's C₃ = √(C l C₂) from it.
        public var sumEnvelopeC2: Double
        public var sumEnvelopeC3: Double
        /// Each-block reading: the least C₂ with h_i(n) ≤ C₂ n^(−β₂) for every block and n, the paper's
        /// √(C l C₂) from it, and the l √(C C₂) this reading actually gives.
        public var eachEnvelopeC2: Double
        public var eachPaperC3: Double
        public var eachNeededC3: Double
        /// Per checkpoint: T(n), and the three envelopes C₃ n^(−β₃) above.
        public var checks: [Check]

        public struct Check: Sendable {
            public var n: Int
            public var term: Double
            public var sumEnvelope: Double
            public var eachPaper: Double
            public var eachNeeded: Double
        }

        /// Whether T(n) ≤ the sum reading's √(C l C₂) n^(−β₃) at every n (it must: the derivation).
        public var sumReadingHolds: Bool { checks.allSatisfy { $0.term <= $0.sumEnvelope * (1 + Self.slack) } }
        /// Whether T(n) ≤ the paper's constant under the each-block reading at every n (it need not).
        public var eachReadingPaperConstantHolds: Bool { checks.allSatisfy { $0.term <= $0.eachPaper * (1 + Self.slack) } }
        /// Whether T(n) ≤ l √(C C₂) n^(−β₃) at every n (it must).
        public var eachReadingNeededConstantHolds: Bool { checks.allSatisfy { $0.term <= $0.eachNeeded * (1 + Self.slack) } }
        /// Round-off allowance of the comparisons: the sides are sums and powers of l + 2 numbers
        /// computed to a few ulps each.
        public static let slack = 1e-12
    }

    static func derive(_ line: PowerLawLine, sums: [Double], blocks: [[Double]], terms: [Double], n: [Int], c: Double) -> Derivation {
        let l = Double(blocks[0].count)
        let beta2 = line.exponent, beta3 = (beta2 + 1) / 2
        func c3(_ c2: Double) -> Double { (c * l * c2).squareRoot() }
        let sumEnvelope = zip(sums, n).map { $0 * pow(Double($1), beta2) }.max()!
        let eachEnvelope = zip(blocks, n).map { h, n in (h.max() ?? 0) * pow(Double(n), beta2) }.max()!
        let checks = n.indices.map { k in
            let decay = pow(Double(n[k]), -beta3)
            return Derivation.Check(n: n[k], term: terms[k], sumEnvelope: c3(sumEnvelope) * decay, eachPaper: c3(eachEnvelope) * decay,
                                    eachNeeded: l * (c * eachEnvelope).squareRoot() * decay)
        }
        return Derivation(beta2: beta2, beta2Interval: line.exponentInterval, c2: line.coefficient, c2Interval: line.coefficientInterval,
                          beta3: beta3, beta3Interval: line.exponentInterval.map { (($0.lowerBound + 1) / 2)...(($0.upperBound + 1) / 2) },
                          c3: c3(line.coefficient), c3Interval: line.coefficientInterval.map { c3($0.lowerBound)...c3($0.upperBound) },
                          sumEnvelopeC2: sumEnvelope, sumEnvelopeC3: c3(sumEnvelope), eachEnvelopeC2: eachEnvelope,
                          eachPaperC3: c3(eachEnvelope), eachNeededC3: l * (c * eachEnvelope).squareRoot(), checks: checks)
    }
}
