import Foundation
import LinearAlgebra

/// A check on lensllm's fixed design (`LensLLMSelection.Design.fixed`): what choosing a design would have
/// given. For each data set, the design with the best PearCorr averaged over the budgets and then over the
/// *other* data sets of the run (leave one data set out), and the PearCorr that choice scores on the data set
/// itself. Selection does not use it: choosing among designs that differ by less than their noise adds noise
/// (the benchmark report shows how much each choice gained or lost against the fixed design).
///
/// Ties go to the first design in `LensLLMSelection.Design.allCases` order.
/// - Complexity: O(S² D B) for S data sets, D designs and B budgets, after the fits.
public struct LeaveOneDataSetOut: Sendable {
    /// The design the other data sets would have chosen for one data set.
    public struct Choice: Sendable, Equatable {
        public var design: LensLLMSelection.Design
        /// The data sets whose average PearCorr chose it.
        public var chosenOn: [String]
    }

    /// Each design's PearCorr averaged over the budgets, per data set in run order.
    public var averagePearson: [(dataset: String, pearson: [LensLLMSelection.Design: Double])]
    /// The choice for each data set that has others beside it in the run.
    public var choices: [String: Choice]

    /// Measures every design on every data set from the lensllm entries (each holds both fits'
    /// predictions) and chooses each data set's design on the others.
    public init(_ entries: [BenchmarkEntry]) {
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
            guard !others.isEmpty else { continue }
            func score(_ d: LensLLMSelection.Design) -> Double { Statistics.mean(others.map { $0.pearson[d]! }) }
            let best = LensLLMSelection.Design.allCases.reduce(LensLLMSelection.Design.allCases[0]) { score($1) > score($0) ? $1 : $0 }
            choices[name] = Choice(design: best, chosenOn: others.map(\.dataset))
        }
        self.choices = choices
    }

    /// The PearCorr a data set would have averaged with the design chosen on the others; nil without others.
    public func chosenPearson(_ dataset: String) -> Double? {
        guard let choice = choices[dataset] else { return nil }
        return averagePearson.first { $0.dataset == dataset }?.pearson[choice.design]
    }
}
