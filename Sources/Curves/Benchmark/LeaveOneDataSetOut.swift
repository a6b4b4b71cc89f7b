import Foundation
import LinearAlgebra

/// The protocol that keeps lensllm's design honest: the design a data set is scored with is the one
/// with the best PearCorr, averaged over the budgets and then over the *other* data sets of the run
/// (leave one data set out). No choice is ever made on the data set it is scored on, so a new data
/// set dropped into the benchmark's directory is run the same way, with no code change.
///
/// With one data set there is nothing else to choose on: it gets `fallback`, and the choice says so
/// (`chosenOn` empty). Ties go to the first design in `LensLLMSelection.Design.allCases` order.
/// - Complexity: O(S² D B) for S data sets, D designs and B budgets, after the fits.
public struct LeaveOneDataSetOut: Sendable {
    /// The design a data set got and where it was chosen.
    public struct Choice: Sendable, Equatable {
        public var design: LensLLMSelection.Design
        /// The data sets whose average PearCorr chose it; empty when there were none.
        public var chosenOn: [String]
    }

    /// Each design's PearCorr averaged over the budgets, per data set in run order.
    public var averagePearson: [(dataset: String, pearson: [LensLLMSelection.Design: Double])]
    /// The choice for each data set.
    public var choices: [String: Choice]

    /// Measures every design on every data set from the lensllm entries (each holds both fits'
    /// predictions) and chooses each data set's design on the others.
    public init(_ entries: [BenchmarkEntry], fallback: LensLLMSelection.Design) {
        let datasets = entries.filter { $0.method == .lensllm }.map(\.dataset)
            .reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
        averagePearson = datasets.map { name in
            let rows = entries.filter { $0.dataset == name && $0.method == .lensllm }
            return (name, Dictionary(uniqueKeysWithValues: LensLLMSelection.Design.allCases.map { design in
                (design, Statistics.mean(rows.map { e in
                    100 * Statistics.pearson(e.selection.lensllm!.targetLosses(design), e.truth)
                }))
            }))
        }
        var choices: [String: Choice] = [:]
        for name in datasets {
            let others = averagePearson.filter { $0.dataset != name }
            guard !others.isEmpty else {
                choices[name] = Choice(design: fallback, chosenOn: [])
                continue
            }
            func score(_ d: LensLLMSelection.Design) -> Double { Statistics.mean(others.map { $0.pearson[d]! }) }
            let best = LensLLMSelection.Design.allCases.reduce(LensLLMSelection.Design.allCases[0]) { score($1) > score($0) ? $1 : $0 }
            choices[name] = Choice(design: best, chosenOn: others.map(\.dataset))
        }
        self.choices = choices
    }

    /// `entries` with every lensllm entry scored under its data set's chosen design.
    public func apply(to entries: [BenchmarkEntry]) -> [BenchmarkEntry] {
        entries.map { e in
            guard e.method == .lensllm, let choice = choices[e.dataset] else { return e }
            var e = e
            e.selection = e.selection.withDesign(choice.design)
            e.metrics = SelectionMetrics(scores: e.selection.scores, ranks: e.selection.ranks, trueLosses: e.truth)
            e.designChoice = choice
            return e
        }
    }
}

extension Selection {
    /// A lensllm selection re-scored under `design` (the same fits; scores, ranks and choice follow).
    public func withDesign(_ design: LensLLMSelection.Design) -> Selection {
        guard var result = lensllm else { return self }
        result.design = design
        let ranks = averageRanks(result.predictions, ascending: true)
        return Selection(method: method, models: candidates.map(\.model), scores: result.predictions, ranks: ranks, selected: bestIndex(ranks),
                         transitions: transitions, lensllm: result)
    }
}
