import Foundation
import LinearAlgebra

/// How well each transition method locates a known transition: on curves whose transition n* is known
/// (the crossover F^(1/β) of LensLLM's law, `PowerLaw.crossover`, or the break of a two-regime law),
/// the located size as |log(located / n*)|, and whether the method's interval holds n*.
public struct TransitionAccuracy: Sendable {
    public var method: TransitionMethod
    /// Curves tried.
    public var curves: Int
    /// Curves on which the method located a transition inside the data.
    public var located: Int
    /// Median over the located curves of |log(located / D*)|; nil when none was located.
    public var medianLogError: Double?
    /// Fraction of the located curves whose interval holds D*; nil when none was located.
    public var coverage: Double?
    /// Curves on which the method failed (too few points, no fit), with the reasons' count.
    public var failures: Int

    /// Measures every method on `curves`, each with its true transition.
    /// - Complexity: one estimate per method and curve.
    public static func measure(_ curves: [(truth: Double, curve: LossCurve)], test: SequentialResidualTest = .init()) -> [TransitionAccuracy] {
        TransitionMethod.allCases.map { method in
            var errors: [Double] = [], covered = 0, failures = 0
            for (truth, curve) in curves {
                guard let estimate = try? method.estimate(curve, test: test) else {
                    failures += 1
                    continue
                }
                guard let size = estimate.size else { continue }
                errors.append(abs(log(size / truth)))
                if estimate.interval?.contains(truth) == true { covered += 1 }
            }
            return TransitionAccuracy(method: method, curves: curves.count, located: errors.count,
                                      medianLogError: errors.isEmpty ? nil : Statistics.median(errors),
                                      coverage: errors.isEmpty ? nil : Double(covered) / Double(errors.count), failures: failures)
        }
    }
}

extension TransitionAccuracy {
    /// The transition methods against known transitions on synthetic curves, `seeds` of each family of 8:
    /// the LensLLM law with 0.5% noise (transition at its crossover D^β = F) and two-regime curves (0.5%
    /// noise, transition at the break).
    public struct SyntheticCheck: Sendable {
        public var seeds: ClosedRange<UInt64>
        /// Curves of each family with a known transition.
        public var lawCurves: Int, twoRegimeCurves: Int
        public var law: [TransitionAccuracy], twoRegime: [TransitionAccuracy]

        /// - Complexity: every method on 8 curves per family and seed.
        public init(seeds: ClosedRange<UInt64>) {
            var lens: [(truth: Double, curve: LossCurve)] = [], twoRegime: [(truth: Double, curve: LossCurve)] = []
            for seed in seeds {
                lens += SyntheticCurves.candidateLaws(count: 8, seed: seed).compactMap { pair in pair.law.crossover.map { ($0, pair.curve) } }
                twoRegime += SyntheticCurves.twoRegimeFamily(count: 8, seed: seed)
            }
            (self.seeds, lawCurves, twoRegimeCurves) = (seeds, lens.count, twoRegime.count)
            (law, self.twoRegime) = (TransitionAccuracy.measure(lens), TransitionAccuracy.measure(twoRegime))
        }
    }
}
