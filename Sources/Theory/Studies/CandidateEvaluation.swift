import Curves

/// What the demo and `lens report --manifest` make of measured candidates, once every one is measured:
/// each candidate's curve analysis (`CandidateAnalysis`) and every selection method's choice from the
/// curves up to each budget, scored at the largest size (`CandidateSelection`).
/// - Complexity: the analyses' curve fits, and per budget every method's selection.
public struct CandidateEvaluation: Sendable {
    public var results: [CandidateStudy.Result]
    public var analyses: [CandidateAnalysis]
    public var selections: [CandidateSelection]

    public init(_ results: [CandidateStudy.Result], budgets: [Int]) {
        self.results = results
        analyses = results.map { CandidateAnalysis($0) }
        selections = budgets.map { CandidateSelection(results, budget: Double($0)) }
    }
}

/// A candidate's measurement that is not one: a fine-tuned checkpoint whose loss is not finite.
public struct NonFiniteResult: Error, CustomStringConvertible {
    public var candidate: String
    public var n: Int
    public var description: String {
        "\(candidate): the checkpoint fine-tuned on n = \(n) has a non-finite loss (fine-tuning diverged); no report was written"
    }
}

extension CandidateStudy.Result {
    /// Refuses results that are not results: a pair whose measured losses are not finite (a diverged
    /// fine-tuning run), before anything is written.
    public func requireFinite() throws(NonFiniteResult) {
        if let bad = corollary.checkpoints.first(where: { !$0.bound.testLoss.isFinite || !$0.bound.trainLoss.isFinite }) {
            throw NonFiniteResult(candidate: name, n: bad.n)
        }
    }
}
