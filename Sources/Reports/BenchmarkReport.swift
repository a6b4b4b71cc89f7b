import _Files
import Curves
import Foundation

/// `lens benchmark`: PearCorr and RelAcc of every method per budget and averaged, beside the
/// published numbers, the fine-tuning data each method consumes, and predicted-vs-true scatters.
public enum BenchmarkReport {
    public static func markdown(_ entries: [BenchmarkEntry], protocol p: BenchmarkProtocol, provenance: String) -> String {
        markdown(BenchmarkSummary(entries, protocol: p), protocol: p, provenance: provenance)
    }

    static func markdown(_ summary: BenchmarkSummary, protocol p: BenchmarkProtocol, provenance: String) -> String {
        let ratios = p.budgets.map(p.ratioLabel)
        var text = "# Model selection on the Rectified Scaling Law benchmark\n\n\(provenance)\n\n"
        text += """
        Each method sees only the sizes up to the budget (1/8 .. 1/512 of the target \(format(p.target))) and
        is judged against the true loss at the target: PearCorr is the Pearson correlation (x100) of its
        score with the true loss, RelAcc = (worst - selected) / (worst - best) x100. "published" rows are
        Lin et al. 2024's numbers (benchmark README); the four deterministic methods must match them to 0.1.

        """
        for metric in ["PearCorr", "RelAcc"] {
            let pearson = metric == "PearCorr"
            for dataset in summary.datasets {
                var rows: [[String]] = []
                for m in dataset.methods {
                    let values = pearson ? m.pearson : m.relativeAccuracy
                    rows.append([m.method.rawValue] + values.map { $0.map(Markdown.percent) ?? "-" }
                                + [Markdown.percent(pearson ? m.averagePearson : m.averageRelativeAccuracy)])
                    if let published = m.published {
                        rows.append(["  published"] + (pearson ? published.pearson : published.relativeAccuracy).map(Markdown.percent)
                                    + [Markdown.percent(pearson ? published.averagePearson : published.averageRelativeAccuracy)])
                    }
                    if m.method == .rectified, pearson, let average = PublishedResults.rectifiedAveragePearson[dataset.name] {
                        rows.append(["  published (OurFit)"] + ratios.map { _ in "" } + [Markdown.percent(average)])
                    }
                }
                text += "\n## \(metric), \(dataset.name)\n\n" + Markdown.table(["method"] + ratios + ["average"], rows)
            }
        }
        text += lensllmAgainstAtS(summary, protocol: p)
        text += "\n## Fine-tuning data each method consumes\n\n"
        text += """
        Per model, as a fraction of one full fine-tuning run at the target. With the 6 x parameters x tokens
        FLOP convention (Kaplan et al.; the paper's Table 4) and a fixed number of tokens per sample, the FLOP
        ratio equals this sample ratio for every model.

        """
        text += Markdown.table(["method"] + ratios, (summary.datasets.first?.methods ?? []).map { m in
            [m.method.rawValue] + m.dataFraction.map { $0.map { String(format: "%.3f", $0) } ?? "-" }
        })
        return text
    }

    /// Each lensllm design on each data set, and the design each data set was scored with, chosen on
    /// the others.
    static func leaveOneOut(_ summary: BenchmarkSummary) -> String {
        guard let loo = summary.leaveOneOut else { return "" }
        let names = loo.averagePearson.map(\.dataset), fixed = LensLLMSelection.Design.fixed
        var text = "\n## lensllm's design, and what choosing one would have given\n\n"
        text += """
        lensllm makes its prediction from two joint fits (below) in one of \(LensLLMSelection.Design.allCases.count) ways, and
        uses one of them, fixed in advance: **\(fixed.rawValue)** (\(fixed.summary)), which follows the fit that predicts
        held-back points better in proportion to how much better. The designs differ by less than the noise of a choice
        among them, so none is chosen on the data. As a check, the row "chosen" shows the design with the best PearCorr
        averaged over the budgets and over the *other* data sets (leave one data set out), and what it scores here.
        PearCorr averaged over the seven budgets:


        """
        var rows = LensLLMSelection.Design.allCases.map { d in
            [d == fixed ? "**\(d.rawValue)** (used)" : d.rawValue, d.summary] + loo.averagePearson.map { Markdown.percent($0.pearson[d]!) }
        }
        rows.append(["chosen", "on the other data sets"] + names.map { name in
            guard let c = loo.choices[name], let score = loo.chosenPearson(name) else { return "no other data set" }
            return "\(c.design.rawValue) (on \(c.chosenOn.joined(separator: ", "))): \(Markdown.percent(score))"
        })
        rows.append(["ats", "for comparison"] + names.map { name in
            summary.datasets.first { $0.name == name }?.methods.first { $0.method == .ats }.map { Markdown.percent($0.averagePearson) } ?? "-"
        })
        return text + Markdown.table(["design", "what it predicts with"] + names, rows)
    }

    /// Where LensLLM's selection stands against AtS, with the evidence: the average gap; per budget
    /// the power-phase points the fits had, the held-back errors, the fits' weights under the design,
    /// how far each method's predictions missed the true target losses and in which direction; and what
    /// each design would have scored.
    static func lensllmAgainstAtS(_ summary: BenchmarkSummary, protocol p: BenchmarkProtocol) -> String {
        var text = leaveOneOut(summary) + "\n## LensLLM against AtS\n\n"
        let designs = LensLLMSelection.Design.allCases
        for dataset in summary.datasets {
            guard let e = dataset.lensllmAgainstAtS else { continue }
            let beats = e.lensllmAveragePearson > e.atsAveragePearson
            text += "**\(dataset.name)**: lensllm, design \(e.design.rawValue), averages \(Markdown.percent(e.lensllmAveragePearson)) PearCorr and "
                + (beats ? "beats AtS by " : "falls short of AtS by ")
                + "\(Markdown.percent(abs(e.lensllmAveragePearson - e.atsAveragePearson))) points (AtS \(Markdown.percent(e.atsAveragePearson)))."
            text += " Each design: " + zip(designs, e.designAveragePearson).map { "\($0.rawValue) \(Markdown.percent($1))" }
                .joined(separator: ", ") + ".\n\n"
            text += Markdown.table(
                ["budget", "power-phase points (median)", "held-back error: shared / shrunk", "better fit",
                 "median log(predicted/true): lensllm / AtS", "median abs: lensllm / AtS", "lensllm closer on",
                 "\(Markdown.percent(100 * Selection.intervalLevel))% interval holds the truth on", "interval width (upper/lower)",
                 "PearCorr: " + designs.map(\.rawValue).joined(separator: " / ") + " / lensllm / AtS"],
                e.budgets.map { b in
                    let heldBack = b.validation.map { v in
                        LensLLMSelection.Fit.allCases.map { Markdown.number(v.medianErrorSum[$0]!, digits: 3) }.joined(separator: " / ")
                    } ?? "none (power phases too short)"
                    return [p.ratioLabel(b.budget), Markdown.number(b.medianPowerPhasePoints, digits: 2), heldBack,
                            b.betterFit?.label ?? "-",
                            "\(Markdown.number(b.medianLogError.lensllm, digits: 3)) / \(Markdown.number(b.medianLogError.ats, digits: 3))",
                            "\(Markdown.number(b.medianAbsoluteLogError.lensllm, digits: 3)) / \(Markdown.number(b.medianAbsoluteLogError.ats, digits: 3))",
                            "\(b.lensllmCloser) of \(b.models)",
                            b.intervalCovered.map { "\($0) of \(b.models)" } ?? "-",
                            b.medianIntervalRatio.map { Markdown.number($0, digits: 3) } ?? "-",
                            (b.designPearson + [b.lensllmPearson, b.atsPearson]).map(Markdown.percent).joined(separator: " / ")]
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
        the second does not bend. The held-back error is how well each fit predicts each curve's last visible point
        from the points before it (and from those before the last two); `average` weights both by that
        likelihood (`choice` would take the better fit). A positive median log(predicted/true)
        means the method over-predicts the target loss: a line does so on curves that are still steepening.
        The intervals are calibrated on the other data sets (next section).

        """
        return text + intervals(summary, protocol: p)
    }

    /// How often lensllm's calibrated intervals held the truth, per data set and budget, with their widths.
    static func intervals(_ summary: BenchmarkSummary, protocol p: BenchmarkProtocol) -> String {
        let rows = summary.datasets.compactMap { d -> [String]? in
            guard let e = d.lensllmAgainstAtS, let coverage = e.coverage else { return nil }
            return [d.name] + e.budgets.map { b in
                "\(Markdown.percent(100 * Double(b.intervalCovered!) / Double(b.models))) (\(b.medianIntervalRatio.map { Markdown.number($0, digits: 3) } ?? "-"))"
            } + [Markdown.percent(100 * coverage.average), Markdown.percent(100 * coverage.lowest)]
        }
        let level = Markdown.percent(100 * Selection.intervalLevel)
        var text = "\n## lensllm's \(level)% intervals, calibrated on the other data sets\n\n"
        guard !rows.isEmpty else {
            return text + "No data set has intervals: calibration needs another data set of the same protocol in the directory.\n"
        }
        text += """
        The fits' own intervals measure how well the points pin the law, not how wrong the law is 8x to 512x
        beyond them. lensllm's intervals are calibrated instead (split conformal prediction): an error is measured in
        units of u = 1/2 |kappa| d^2, the log-loss a persisting bend makes over the extrapolation, with kappa the
        curvature of the curve's visible power phase in log-log (a least-squares quadratic through at least its last
        three points) and d = log(target / budget). The unit's multiple q is the conformal quantile of the errors
        lensllm makes on the *other* data sets of the directory at the same extrapolation ratio, each of their points
        predicted from the points that ratio before it; the interval is exp(log prediction -/+ q u). It holds the
        truth at the nominal rate when a data set behaves like the ones it is calibrated on, and the table measures how
        often it does here, with no data set in its own calibration. Share of the models whose interval holds the true
        target loss (median ratio of the upper to the lower end):


        """
        return text + Markdown.table(["data set"] + p.budgets.map(p.ratioLabel) + ["average", "lowest"], rows)
    }

    /// The paper's Table 2 on this benchmark: mean RMSE of each predictor's held-back losses per data set
    /// and budget, and per model at the largest budget.
    public static func predictionAccuracy(_ results: [PredictionAccuracy], protocol p: BenchmarkProtocol) -> String {
        guard !results.isEmpty else { return "" }
        let predictors = PredictionAccuracy.Predictor.allCases
        var text = "\n## Predictive accuracy (the paper's Table 2)\n\n"
        text += """
        Each law is fitted to a model's points up to the budget and predicts its measured losses at every larger
        size; the table gives the RMSE of those predictions in loss, averaged over the models (in brackets: models
        whose per-curve fit failed, which the mean leaves out). lensllm (joint) is the selection's own fit of all
        candidates, under its fixed design; lensllm (curve) is B / (F + D^beta) + E fitted
        to the curve alone on every visible point; rectified is Lin et al.'s law with the zero-shot point.


        """
        let datasets = results.map(\.dataset).reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
        for dataset in datasets {
            let rows = results.filter { $0.dataset == dataset }
            text += "**\(dataset)**\n\n" + Markdown.table(["budget", "held-back sizes"] + predictors.map(\.label) + ["best"], rows.map { r in
                let means = predictors.map { r.mean($0) }
                let best = predictors.indices.min { means[$0].rmse < means[$1].rmse }.map { predictors[$0].label } ?? "-"
                return [p.ratioLabel(r.budget), "\(r.heldBack.count)"] + means.map { m in
                    Markdown.number(m.rmse, digits: 3) + (m.models < r.models.count ? " (\(r.models.count - m.models) failed)" : "")
                } + [best]
            }) + "\n"
        }
        for dataset in datasets {
            guard let r = results.first(where: { $0.dataset == dataset && $0.budget == p.budgets.first }) else { continue }
            text += "\nPer model, \(dataset), fitted up to \(format(r.budget)) and predicting \(r.heldBack.map(format).joined(separator: ", ")):\n\n"
            text += Markdown.table(["model"] + predictors.map(\.label), r.models.indices.map { i in
                [r.models[i]] + predictors.map { r.rmse[$0]![i].map { Markdown.number($0, digits: 3) } ?? "failed" }
            })
        }
        return text
    }

    /// Predicted (score) vs true target loss for the loss-predicting `methods` at one budget.
    public static func scatter(_ entries: [BenchmarkEntry], dataset: String, budget: Double,
                               methods: [SelectionMethod], protocol p: BenchmarkProtocol) -> Plot {
        var plot = Plot(title: "\(dataset), budget \(p.ratioLabel(budget)): predicted vs true loss at \(format(p.target))",
                        xLabel: "true loss", yLabel: "predicted loss", logX: false, logY: false)
        var all: [Double] = [], scores: [Double] = []
        for (i, method) in methods.enumerated() {
            guard let e = entries.first(where: { $0.dataset == dataset && $0.budget == budget && $0.method == method }) else { continue }
            if let intervals = e.selection.predictiveIntervals {
                let drawn = zip(e.truth, intervals).compactMap { x, r in r.map { (x: x, low: $0.lowerBound, high: $0.upperBound) } }
                plot.add(.ranges(drawn, label: "\(method.rawValue) \(Markdown.percent(100 * Selection.intervalLevel))% interval", color: Plot.palette[i]))
            }
            plot.add(.points(zip(e.truth, e.selection.scores).map { ($0, $1) },
                             label: "\(method.rawValue) (r=\(Markdown.percent(e.metrics.pearson)))",
                             color: Plot.palette[i], hollow: i > 0))
            all += e.truth
            scores += e.selection.scores
        }
        // The points set the range; the intervals, some very wide, are cut at the frame.
        if let lo = (all + scores).min(), let hi = (all + scores).max() { plot.yLimits = lo...hi }
        if let lo = all.min(), let hi = all.max() {
            plot.add(.line([(lo, lo), (hi, hi)], label: "predicted = true", color: "#999999", dashed: true))
        }
        return plot
    }

    public static func json(_ entries: [BenchmarkEntry], protocol p: BenchmarkProtocol) -> String {
        JSON.render(entries.map { e -> [String: Any] in
            var row: [String: Any] = [
                "dataset": e.dataset, "budget": e.budget, "ratio": p.ratioLabel(e.budget), "method": e.method.rawValue,
                "pearson": e.metrics.pearson, "relative_accuracy": e.metrics.relativeAccuracy,
                "selected_index": e.metrics.selected, "models": e.selection.candidates.map(\.model), "scores": e.selection.scores,
                "true_losses": e.truth,
                "samples_per_model": e.samplesPerModel]
            if let result = e.selection.lensllm { row.merge(CurveTables.lensllmFields(result)) { $1 } }
            if let c = e.selection.calibration {
                row["intervals"] = c.intervals.map { i -> Any in i.map { [$0.lowerBound, $0.upperBound] } ?? NSNull() }
                row["interval_calibration"] = CurveTables.calibrationFields(c)
            }
            return row
        })
    }

    /// Writes `index.md` (tables) and the scatters for the first and last budgets into `directory`.
    public static func write(_ entries: [BenchmarkEntry], accuracy: [PredictionAccuracy], protocol p: BenchmarkProtocol,
                             provenance: String, scatterMethods: [SelectionMethod], to directory: String) throws {
        try AtomicDirectory.write(to: directory) { directory in
            let summary = BenchmarkSummary(entries, protocol: p)
            var text = markdown(summary, protocol: p, provenance: provenance) + predictionAccuracy(accuracy, protocol: p)
            text += "\n## Predicted vs true loss\n\n"
            for dataset in summary.datasets.map(\.name) {
                for budget in [p.budgets.first!, p.budgets.last!] {
                    let name = "scatter-\(dataset)-\(format(budget)).svg"
                    try AtomicFile.write(scatter(entries, dataset: dataset, budget: budget, methods: scatterMethods, protocol: p).svg(),
                                         to: "\(directory)/\(name)")
                    text += "![\(dataset) \(p.ratioLabel(budget))](\(name))\n\n"
                }
            }
            try AtomicFile.write(text, to: "\(directory)/index.md")
        }
    }
}
