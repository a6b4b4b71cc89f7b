import _Files
import Curves
import Foundation
import Reports
import Theory

/// What `lens demo` and `lens report --manifest` do once every candidate is measured: the curves CSV,
/// the analyses and selections, the reports, and the verdicts on stdout.
enum CandidateReports {
    /// The demo's checkpoint folder inside its report directory, kept when the report is replaced.
    static let checkpoints = "checkpoints"

    /// Writes the report directory `out` whole or not at all (`AtomicDirectory`, keeping `checkpoints/`):
    /// `curves.csv`, `curves/`, `candidates/`, `index.md` and `pages` (name and text).
    static func write(_ results: [CandidateStudy.Result], budgets: [Int], provenance: String, description: String, links: [String] = [],
                      pages: [String: String] = [:], to out: String) throws {
        let source = "\(out)/curves.csv"
        let analyses = results.map { CandidateAnalysis($0, source: source) }
        let selections = budgets.map { CandidateSelection(results, budget: Double($0)) }
        try AtomicDirectory.write(to: out, carrying: [checkpoints]) { staging in
            try AtomicFile.write(SyntheticCurves.wideCSV(results.map(\.curve)), to: "\(staging)/curves.csv")
            try CurveReport.write(analyses.map(\.curve), source: source, provenance: provenance, to: "\(staging)/curves")
            try DemoReport.write(analyses, selections: selections, provenance: provenance, description: description, links: links, to: staging)
            for (name, text) in pages.sorted(by: { $0.key < $1.key }) { try AtomicFile.write(text, to: "\(staging)/\(name)") }
        }
        for selection in selections {
            print("\nSelection from n <= \(format(selection.budget)), scored against the test losses at n = \(format(selection.target)):\n")
            for row in selection.rows {
                switch row.scores {
                case .failure(let error): print("   \(row.method): no selection (\(error.message))")
                case .success:
                    print("   \(row.method): selects \(selection.candidates[row.selected!]); PearCorr \(Markdown.percent(row.metrics!.pearson)), "
                          + "RelAcc \(Markdown.percent(row.metrics!.relativeAccuracy))")
                }
            }
        }
    }

    /// Refuses results that are not results: a pair whose measured losses are not finite (a diverged
    /// fine-tuning run), before anything is written.
    static func checkFinite(_ result: CandidateStudy.Result) throws {
        if let bad = result.corollary.checkpoints.first(where: { !$0.bound.testLoss.isFinite || !$0.bound.trainLoss.isFinite }) {
            throw RunError("\(result.name): the checkpoint fine-tuned on n = \(bad.n) has a non-finite loss (fine-tuning diverged); no report was written")
        }
    }
}

/// A one-line error for a run whose result is not one (ArgumentParser prints no usage for it).
struct RunError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
