import Curves
import _Files
import Foundation
import LinearAlgebra

/// `lens benchmark`: PearCorr and RelAcc of every method per budget and averaged, beside the
/// published numbers, the fine-tuning data each method consumes, and predicted-vs-true scatters.
public enum BenchmarkReport {
    public static func markdown(_ entries: [BenchmarkEntry], protocol p: BenchmarkProtocol, provenance: String) -> String {
        let datasets = unique(entries.map(\.dataset))
        let methods = unique(entries.map(\.method))
        let ratios = p.budgets.map(p.ratioLabel)
        var text = "# Model selection on the Rectified Scaling Law benchmark\n\n\(provenance)\n\n"
        text += """
        Each method sees only the sizes up to the budget (1/8 .. 1/512 of the target \(format(p.target))) and
        is judged against the true loss at the target: PearCorr is the Pearson correlation (x100) of its
        score with the true loss, RelAcc = (worst - selected) / (worst - best) x100. "published" rows are
        Lin et al. 2024's numbers (benchmark README); the four deterministic methods must match them to 0.1.

        """
        for metric in ["PearCorr", "RelAcc"] {
            for dataset in datasets {
                var rows: [[String]] = []
                for method in methods {
                    let values = p.budgets.map { budget in
                        entries.first { $0.dataset == dataset && $0.method == method && $0.budget == budget }
                            .map { metric == "PearCorr" ? $0.metrics.pearson : $0.metrics.relativeAccuracy }
                    }
                    rows.append([method.rawValue] + values.map { $0.map(Markdown.percent) ?? "-" }
                                + [Markdown.percent(values.compactMap { $0 }.reduce(0, +) / Double(values.count))])
                    if let published = PublishedResults.row(dataset: dataset, method: method) {
                        let v = metric == "PearCorr" ? published.pearson : published.relativeAccuracy
                        rows.append(["  published"] + v.map(Markdown.percent) + [Markdown.percent(v.reduce(0, +) / 7)])
                    }
                    if method == .rectified, metric == "PearCorr", let avg = PublishedResults.rectifiedAveragePearson[dataset] {
                        rows.append(["  published (OurFit)"] + ratios.map { _ in "" } + [Markdown.percent(avg)])
                    }
                }
                text += "\n## \(metric), \(dataset)\n\n" + Markdown.table(["method"] + ratios + ["average"], rows)
            }
        }
        text += lensllmAgainstAtS(entries, protocol: p)
        text += "\n## Fine-tuning data each method consumes\n\n"
        text += """
        Per model, as a fraction of one full fine-tuning run at the target. With the 6 x parameters x tokens
        FLOP convention (Kaplan et al.; the paper's Table 4) and a fixed number of tokens per sample, the FLOP
        ratio equals this sample ratio for every model.

        """
        let first = datasets.first ?? ""
        text += Markdown.table(["method"] + ratios, methods.map { method in
            [method.rawValue] + p.budgets.map { budget in
                let e = entries.first { $0.dataset == first && $0.method == method && $0.budget == budget }
                return e.map { String(format: "%.3f", $0.samplesPerModel / p.target) } ?? "-"
            }
        })
        return text
    }

    /// Where LensLLM's selection stands against AtS, with the evidence: the average gap; per budget
    /// the power-phase points the fits had, the held-back errors that chose lensllm's design, how far
    /// each method's predictions missed the true target losses and in which direction; and what each
    /// of lensllm's two designs alone would have scored.
    static func lensllmAgainstAtS(_ entries: [BenchmarkEntry], protocol p: BenchmarkProtocol) -> String {
        var text = "\n## LensLLM against AtS\n\n"
        for dataset in unique(entries.map(\.dataset)) {
            func rows(_ m: SelectionMethod) -> [BenchmarkEntry] {
                p.budgets.compactMap { b in entries.first { $0.dataset == dataset && $0.method == m && $0.budget == b } }
            }
            let (lens, ats) = (rows(.lensllm), rows(.ats))
            guard lens.count == p.budgets.count, ats.count == p.budgets.count else { continue }
            func average(_ values: [Double]) -> Double { values.reduce(0, +) / Double(values.count) }
            let lensAverage = average(lens.map(\.metrics.pearson)), atsAverage = average(ats.map(\.metrics.pearson))
            let verdict = lensAverage > atsAverage ? "beats AtS by" : "falls short of AtS by"
            text += "**\(dataset)**: lensllm averages \(Markdown.percent(lensAverage)) PearCorr and \(verdict) "
                + "\(Markdown.percent(abs(lensAverage - atsAverage))) points (AtS \(Markdown.percent(atsAverage)))."
            // Each design alone, scored like the methods: PearCorr per budget, in `Design.allCases` order.
            let designs = LensLLMSelection.Design.allCases
            let alone = lens.map { e in designs.map { Statistics.pearson(e.selection.lensllm?.targetLosses[$0] ?? [], e.truth) * 100 } }
            text += " Either design alone: " + designs.indices.map { d in
                "\(designs[d].rawValue) \(Markdown.percent(average(alone.map { $0[d] })))"
            }.joined(separator: ", ") + ".\n\n"
            text += Markdown.table(
                ["budget", "power-phase points (median)", "held-back error: shared / shrunk", "design",
                 "median log(predicted/true): lensllm / AtS", "median abs: lensllm / AtS", "lensllm closer on",
                 "PearCorr: shared / shrunk / lensllm / AtS"],
                lens.indices.map { i in
                    let (l, a) = (lens[i], ats[i])
                    let power = zip(l.visiblePoints, l.selection.transitions).map { Double($0 - (($1 ?? -1) + 1)) }
                    func errors(_ e: BenchmarkEntry) -> [Double] { zip(e.selection.scores, e.truth).map { log($0 / $1) } }
                    let (le, ae) = (errors(l), errors(a))
                    let closer = zip(le, ae).filter { abs($0) < abs($1) }.count
                    let result = l.selection.lensllm
                    let heldBack = result?.validation.map {
                        "\(Markdown.number($0.sharedExponent, digits: 3)) / \(Markdown.number($0.shrunkExponents, digits: 3))"
                    } ?? "none (power phases too short)"
                    return [p.ratioLabel(l.budget), Markdown.number(Statistics.median(power), digits: 2), heldBack,
                            result?.design.rawValue ?? "-",
                            "\(Markdown.number(Statistics.median(le), digits: 3)) / \(Markdown.number(Statistics.median(ae), digits: 3))",
                            "\(Markdown.number(Statistics.median(le.map(abs)), digits: 3)) / \(Markdown.number(Statistics.median(ae.map(abs)), digits: 3))",
                            "\(closer) of \(le.count)",
                            (alone[i] + [l.metrics.pearson, a.metrics.pearson]).map(Markdown.percent).joined(separator: " / ")]
                })
            text += "\n"
        }
        text += """
        Both methods cut each curve at the same residual-test transition and see the same power-phase points.
        AtS extrapolates a least-squares line through each curve's points. lensllm fits the LensLLM law to all
        candidates at once, with two parameters per curve, in one of two ways: L_m = B_m / (F_m + D^beta) with one
        exponent for the task and an offset F_m per model (fitted, since no NTK is available for these models),
        or, with F_m = 0, lines whose exponents are shrunk toward their common mean by empirical Bayes. The first
        bends the extrapolation the way a phase transition goes, and can only bend it downwards (F >= 0, E = 0);
        the second does not bend. Which of the two predicts each curve's last visible point better, from the
        points before it (and from those before the last two), decides. A positive median log(predicted/true)
        means the method over-predicts the target loss: a line does so on curves that are still steepening.

        """
        return text
    }

    /// Predicted (score) vs true target loss for the loss-predicting `methods` at one budget.
    public static func scatter(_ entries: [BenchmarkEntry], dataset: String, budget: Double,
                               methods: [SelectionMethod], protocol p: BenchmarkProtocol) -> Plot {
        var plot = Plot(title: "\(dataset), budget \(p.ratioLabel(budget)): predicted vs true loss at \(format(p.target))",
                        xLabel: "true loss", yLabel: "predicted loss", logX: false, logY: false)
        var all: [Double] = []
        for (i, method) in methods.enumerated() {
            guard let e = entries.first(where: { $0.dataset == dataset && $0.budget == budget && $0.method == method }) else { continue }
            plot.add(.points(zip(e.truth, e.selection.scores).map { ($0, $1) },
                             label: "\(method.rawValue) (r=\(Markdown.percent(e.metrics.pearson)))",
                             color: Plot.palette[i], hollow: i > 0))
            all += e.truth
        }
        if let lo = all.min(), let hi = all.max() {
            plot.add(.line([(lo, lo), (hi, hi)], label: "predicted = true", color: "#999999", dashed: true))
        }
        return plot
    }

    public static func json(_ entries: [BenchmarkEntry], protocol p: BenchmarkProtocol) -> String {
        JSONText.render(entries.map { e -> [String: Any] in
            var row: [String: Any] = [
                "dataset": e.dataset, "budget": e.budget, "ratio": p.ratioLabel(e.budget), "method": e.method.rawValue,
                "pearson": e.metrics.pearson, "relative_accuracy": e.metrics.relativeAccuracy,
                "selected_index": e.metrics.selected, "scores": e.selection.scores,
                "samples_per_model": e.samplesPerModel]
            if let result = e.selection.lensllm { row.merge(CurveTables.lensllmFields(result)) { $1 } }
            return row
        })
    }

    /// Writes `index.md` (tables) and the scatters for the first and last budgets into `directory`.
    public static func write(_ entries: [BenchmarkEntry], protocol p: BenchmarkProtocol, provenance: String,
                             scatterMethods: [SelectionMethod], to directory: String) throws {
        var text = markdown(entries, protocol: p, provenance: provenance)
        text += "\n## Predicted vs true loss\n\n"
        for dataset in unique(entries.map(\.dataset)) {
            for budget in [p.budgets.first!, p.budgets.last!] {
                let name = "scatter-\(dataset)-\(format(budget)).svg"
                try AtomicFile.write(scatter(entries, dataset: dataset, budget: budget, methods: scatterMethods, protocol: p).svg(),
                                     to: "\(directory)/\(name)")
                text += "![\(dataset) \(p.ratioLabel(budget))](\(name))\n\n"
            }
        }
        try AtomicFile.write(text, to: "\(directory)/index.md")
    }

    private static func unique<T: Equatable>(_ xs: [T]) -> [T] {
        xs.reduce(into: []) { if !$0.contains($1) { $0.append($1) } }
    }
}
