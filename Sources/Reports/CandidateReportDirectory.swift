import _Files
import Curves
import Theory

/// The report directory of `lens demo` and `lens report --manifest`: `curves.csv`, `curves/`,
/// `candidates/`, `index.md` and any extra pages, written whole or not at all (`AtomicDirectory`),
/// keeping the checkpoints folder that the demo writes beside them.
public enum CandidateReportDirectory {
    /// The checkpoint folder inside the report directory, kept when the report is replaced.
    public static let checkpoints = "checkpoints"

    public static func write(_ evaluation: CandidateEvaluation, provenance: String, description: String, links: [String] = [],
                             pages: [String: String] = [:], to out: String) throws {
        let source = "\(out)/curves.csv"
        try AtomicDirectory.write(to: out, carrying: [checkpoints]) { staging in
            try AtomicFile.write(SyntheticCurves.wideCSV(evaluation.results.map(\.curve)), to: "\(staging)/curves.csv")
            try CurveReport.write(evaluation.analyses.map(\.curve), source: source, provenance: provenance, to: "\(staging)/curves")
            try DemoReport.write(evaluation.analyses, selections: evaluation.selections, provenance: provenance, description: description,
                                 links: links, to: staging)
            for (name, text) in pages.sorted(by: { $0.key < $1.key }) { try AtomicFile.write(text, to: "\(staging)/\(name)") }
        }
    }

    /// Every method's choice per budget, scored, as the commands print them.
    public static func selectionSummary(_ evaluation: CandidateEvaluation) -> String {
        var text = ""
        for selection in evaluation.selections {
            text += "\nSelection from n <= \(format(selection.budget)), scored against the test losses at n = \(format(selection.target)):\n\n"
            for row in selection.rows {
                switch row.scores {
                case .failure(let error): text += "   \(row.method): no selection (\(error.message))\n"
                case .success:
                    text += "   \(row.method): selects \(selection.candidates[row.selected!]); PearCorr \(Markdown.percent(row.metrics!.pearson)), "
                        + "RelAcc \(Markdown.percent(row.metrics!.relativeAccuracy))" + (row.fallback.map { " (\($0.label))" } ?? "") + "\n"
                }
            }
        }
        return text
    }
}
