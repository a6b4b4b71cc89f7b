import Foundation
import LinearAlgebra

/// Everything the benchmark report shows, computed from the entries of one run: per data set, each
/// method's PearCorr and RelAcc per budget and on average beside the published numbers, the data each
/// method consumes, and the evidence of how LensLLM's selection stands against AtS.
public struct BenchmarkSummary: Sendable {
    public var budgets: [Double]
    public var target: Double
    public var datasets: [DataSet]
    /// Each lensllm design on each data set and what choosing one on the other data sets would have
    /// given; nil when the run has no lensllm.
    public var leaveOneOut: LeaveOneDataSetOut?

    /// One data set's results.
    public struct DataSet: Sendable {
        public var name: String
        public var methods: [MethodResults]
        /// nil when the run lacks lensllm or AtS at some budget.
        public var lensllmAgainstAtS: LensLLMEvidence?
    }

    /// One method on one data set, per budget (nil where the run has no entry).
    public struct MethodResults: Sendable {
        public var method: SelectionMethod
        public var pearson: [Double?]
        public var relativeAccuracy: [Double?]
        public var averagePearson: Double
        public var averageRelativeAccuracy: Double
        /// Samples fine-tuned on per model as a fraction of one full run at the target: with the
        /// 6 × parameters × tokens FLOP convention and a fixed number of tokens per sample, also the
        /// FLOP ratio, for every model.
        public var dataFraction: [Double?]
        /// Lin et al.'s published numbers for this method and data set, if any.
        public var published: PublishedResults.Row?
    }

    /// LensLLM's selection against AtS on one data set.
    public struct LensLLMEvidence: Sendable {
        public var lensllmAveragePearson: Double
        public var atsAveragePearson: Double
        /// The design lensllm was scored with (`LensLLMSelection.Design.fixed`).
        public var design: LensLLMSelection.Design
        /// What each design would have averaged, in `LensLLMSelection.Design.allCases` order.
        public var designAveragePearson: [Double]
        public var budgets: [BudgetEvidence]

        /// The fraction of models whose calibrated interval holds the true loss, averaged over the budgets and
        /// at the lowest budget; nil when some budget has no intervals.
        public var coverage: (average: Double, lowest: Double)? {
            let fractions = budgets.map { b in b.intervalCovered.map { Double($0) / Double(b.models) } }
            guard !fractions.isEmpty, fractions.allSatisfy({ $0 != nil }) else { return nil }
            let values = fractions.map { $0! }
            return (Statistics.mean(values), values.min()!)
        }
    }

    /// The evidence at one budget.
    public struct BudgetEvidence: Sendable {
        public var budget: Double
        /// The median over models of the points after the residual-test transition.
        public var medianPowerPhasePoints: Double
        /// The held-back errors that chose the design (nil: power phases too short to hold one back).
        public var validation: LensLLMSelection.Validation?
        /// The fit the held-back errors favour (nil without validation).
        public var betterFit: LensLLMSelection.Fit?
        /// Median over models of log(predicted / true) and of its absolute value, lensllm then AtS.
        public var medianLogError: (lensllm: Double, ats: Double)
        public var medianAbsoluteLogError: (lensllm: Double, ats: Double)
        /// On how many of the `models` lensllm's prediction is closer to the truth than AtS's.
        public var lensllmCloser: Int
        public var models: Int
        /// On how many models lensllm's predictive interval (`Selection.intervalLevel`) holds the true
        /// loss, and the median ratio of its upper to lower end (nil without intervals).
        public var intervalCovered: Int?
        public var medianIntervalRatio: Double?
        /// PearCorr of each design (in `Design.allCases` order), of lensllm, and of AtS.
        public var designPearson: [Double]
        public var lensllmPearson: Double
        public var atsPearson: Double
    }

    public init(_ entries: [BenchmarkEntry], protocol p: BenchmarkProtocol) {
        (budgets, target) = (p.budgets, p.target)
        leaveOneOut = entries.contains { $0.method == .lensllm } ? LeaveOneDataSetOut(entries) : nil
        datasets = Self.unique(entries.map(\.dataset)).map { name in
            let rows = entries.filter { $0.dataset == name }
            func entry(_ method: SelectionMethod, _ budget: Double) -> BenchmarkEntry? {
                rows.first { $0.method == method && $0.budget == budget }
            }
            let methods = Self.unique(rows.map(\.method)).map { method -> MethodResults in
                let found = p.budgets.map { entry(method, $0) }
                let pearson = found.map { $0?.metrics.pearson }, accuracy = found.map { $0?.metrics.relativeAccuracy }
                return MethodResults(method: method, pearson: pearson, relativeAccuracy: accuracy,
                                     averagePearson: Statistics.mean(pearson.compactMap { $0 }),
                                     averageRelativeAccuracy: Statistics.mean(accuracy.compactMap { $0 }),
                                     dataFraction: found.map { $0.map { $0.samplesPerModel / p.target } },
                                     published: PublishedResults.row(dataset: name, method: method))
            }
            let lens = p.budgets.compactMap { entry(.lensllm, $0) }, ats = p.budgets.compactMap { entry(.ats, $0) }
            let evidence = lens.count == p.budgets.count && ats.count == p.budgets.count ? Self.evidence(lens, ats) : nil
            return DataSet(name: name, methods: methods, lensllmAgainstAtS: evidence)
        }
    }

    static func evidence(_ lens: [BenchmarkEntry], _ ats: [BenchmarkEntry]) -> LensLLMEvidence {
        let designs = LensLLMSelection.Design.allCases
        let budgets = zip(lens, ats).map { l, a -> BudgetEvidence in
            let powerPoints = zip(l.visiblePoints, l.selection.transitions).map { Double($0 - (($1 ?? -1) + 1)) }
            func logErrors(_ e: BenchmarkEntry) -> [Double] { zip(e.selection.scores, e.truth).map { log($0 / $1) } }
            let (le, ae) = (logErrors(l), logErrors(a))
            let result = l.selection.lensllm
            return BudgetEvidence(
                budget: l.budget, medianPowerPhasePoints: Statistics.median(powerPoints),
                validation: result?.validation, betterFit: result?.validation?.better,
                medianLogError: (Statistics.median(le), Statistics.median(ae)),
                medianAbsoluteLogError: (Statistics.median(le.map(abs)), Statistics.median(ae.map(abs))),
                lensllmCloser: zip(le, ae).filter { abs($0) < abs($1) }.count, models: le.count,
                intervalCovered: l.selection.predictiveIntervals.map { intervals in
                    zip(intervals, l.truth).filter { $0?.contains($1) == true }.count
                },
                medianIntervalRatio: l.selection.predictiveIntervals.flatMap { intervals in
                    let ratios = intervals.compactMap { $0.map { $0.upperBound / $0.lowerBound } }
                    return ratios.isEmpty ? nil : Statistics.median(ratios)
                },
                designPearson: designs.map { 100 * Statistics.pearson(result?.targetLosses($0) ?? [], l.truth) },
                lensllmPearson: l.metrics.pearson, atsPearson: a.metrics.pearson)
        }
        return LensLLMEvidence(lensllmAveragePearson: Statistics.mean(budgets.map(\.lensllmPearson)),
                               atsAveragePearson: Statistics.mean(budgets.map(\.atsPearson)),
                               design: lens[0].selection.lensllm!.design,
                               designAveragePearson: designs.indices.map { d in Statistics.mean(budgets.map { $0.designPearson[d] }) },
                               budgets: budgets)
    }

    static func unique<T: Equatable>(_ xs: [T]) -> [T] {
        xs.reduce(into: []) { if !$0.contains($1) { $0.append($1) } }
    }
}

extension PublishedResults.Row {
    /// The published PearCorr and RelAcc averaged over the seven budgets.
    public var averagePearson: Double { Statistics.mean(pearson) }
    public var averageRelativeAccuracy: Double { Statistics.mean(relativeAccuracy) }
}
