import _Files
import Foundation
import Hessian
import Theory

/// `lens bound`: the generalization bound of a checkpoint pair, its Hessian terms block by block, and
/// how tight it is against the measured test loss.
public enum BoundReport {
    /// The δ of the probe maximum's statement: with probability 1 − δ the maximum over m probes is
    /// exceeded on at most a fraction 1 − δ^(1/m) of D.
    static let delta = 0.01

    public static func markdown(_ b: GeneralizationBound, provenance: String) -> String {
        let (estimate, certified) = (b.atEstimate, b.certified)
        let t = b.terms, m = t.samples
        var text = "# Generalization bound of a fine-tuned checkpoint pair\n\n\(provenance)\n\n"
        for caveat in b.caveats { text += "**Limit of this run.** \(caveat)\n\n" }
        text += """
        LensLLM's Theorem 2 (which LensLLM presents as the form of Ju et al.'s Theorem 2.1), with probability 0.99 over the
        n training samples:

            L <= (1 + eps) L_hat + (1 + eps) sqrt(C) sum_i sqrt(h_i) / sqrt(n) + O(n^(-3/4))

        evaluated without the O(n^(-3/4)) term, which has no stated constant. h_i >= max over (x, y) in D, the data
        distribution, of v_i^T H_i^+ v_i (one sequence's loss; v_i = fine-tuned - pretrained on block i; H^+ keeps the
        nonnegative eigenvalues). It is measured as the maximum over \(m) probe sequences drawn from D apart from the
        training ones (\(b.probeSource)): with probability \(Markdown.number(1 - delta)), at most a fraction
        \(Markdown.number(GeneralizationBound.exceedance(probes: m, delta: delta), digits: 3)) = 1 - \(Markdown.number(delta))^(1/\(m)) of D has a
        larger form, block by block. \(formRuns(t)) The certified row uses the upper end of each maximum.
        The maximum over the training samples is shown beside it for comparison only: the fine-tuned model has fitted
        those samples, so their curvature is not D's.


        """
        let clipped = b.clippedFraction, raw = b.rawLosses
        var quantities = [
            ["C, the loss clipped at", "\(Markdown.number(b.lossBound, digits: 6)) (\(b.lossBoundSource.label))"],
            ["L_hat (mean train loss, clipped at C)", "\(Markdown.number(b.trainLoss, digits: 6)) (unclipped \(Markdown.number(raw.train, digits: 6)))"],
            ["L (mean test loss, clipped at C, measured)", "\(Markdown.number(b.testLoss, digits: 6)) (unclipped \(Markdown.number(raw.test, digits: 6)))"],
            ["samples whose loss exceeds C", "\(Markdown.percent(100 * clipped.train))% of the training, \(Markdown.percent(100 * clipped.test))% of the test samples"],
            ["n", "\(b.n)"], ["eps", Markdown.number(b.epsilon)],
            ["probe samples (h_i's maximum)", "\(m), \(b.probeSource)"],
        ]
        if let training = b.trainingTerms { quantities.append(["training samples examined (comparison)", "\(training.samples)"]) }
        quantities.append(["HVPs", "\(t.applications + (b.trainingTerms?.applications ?? 0))"])
        text += Markdown.table(["quantity", "value"], quantities)
        text += "\n## The bound\n\n"
        func row(_ name: String, _ e: GeneralizationBound.Evaluation) -> [String] {
            [name, Markdown.number(e.hessianSum), Markdown.number(e.bound), Markdown.number(e.tightness), Markdown.number(e.predictedGap),
             Markdown.number(b.measuredGap)]
        }
        var rows = [row("h_i: probe maximum, Lanczos estimates", estimate), row("h_i: probe maximum, certified upper ends", certified)]
        if let training = b.trainingComparison { rows.append(row("training maximum, certified (comparison, not a valid h_i)", training)) }
        text += Markdown.table(["evaluated at", "sum_i sqrt(h_i)", "bound", "bound / L", "predicted gap", "measured gap L - L_hat"], rows)
        text += verdictFlips(b)
        text += "\n## Hessian terms per block\n\n"
        text += Markdown.table(
            ["block", "parameters", "||v_i||", "h_i (probe max, estimate)", "certified interval of the max", "argmax probe (0-based)",
             "training max, certified", "max v^T H v over the probes (raw)", "probe-mean v^T H^+ v", "probe-mean interval"],
            t.blocks.indices.map { i in
                let k = t.blocks[i]
                return [k.block.name, "\(k.block.range.count)", Markdown.number(k.directionNorm), Markdown.number(k.estimate),
                        "[\(Markdown.number(k.interval.lowerBound)), \(Markdown.number(k.interval.upperBound))]" + looseNote(k), "\(k.argmax)",
                        b.trainingTerms.map { Markdown.number($0.blocks[i].certified) } ?? "-",
                        Markdown.number(k.rawMax), k.batchMean.map { Markdown.number($0.estimate) } ?? "-",
                        k.batchMean.map { "[\(Markdown.number($0.interval.lowerBound)), \(Markdown.number($0.interval.upperBound))]" } ?? "-"]
            })
        text += """

        "raw" is v_i^T H_i v_i without the truncation, the quantity Ju et al.'s released code takes the maximum of (over
        batches); "probe-mean" is the truncated form of the mean loss over all probes, for comparison with the per-sample
        maximum the theorem asks for.

        """
        text += "\n## The maximum as more of D is examined\n\n"
        let running = b.runningHessianSum
        let shown = Array(Set((0...Int(log2(Double(max(m, 1))))).map { 1 << $0 } + [m])).sorted().filter { $0 <= running.count }
        text += Markdown.table(["probes m", "sum_i sqrt(max over the first m), estimates", "fraction of D that may exceed it (99%)"],
                               shown.map { [
                                   "\($0)", Markdown.number(running[$0 - 1]),
                                   Markdown.number(GeneralizationBound.exceedance(probes: $0, delta: delta), digits: 3),
                               ] })
        text += """

        A sum still rising at the last rows means the probes have not yet found D's largest forms: more probes would
        raise h_i.

        """
        return text
    }

    /// Where the verdict (certified bound >= L) would flip in eps and in C, and the bound over a grid of both.
    static func verdictFlips(_ b: GeneralizationBound) -> String {
        let holds = b.certified.bound >= b.testLoss
        var text = "\n## Where the verdict would flip\n\n"
        text += "At C = \(Markdown.number(b.lossBound)) and eps = \(Markdown.number(b.epsilon)) the certified bound is "
            + (holds ? "at or above" : "**below**") + " L. "
        let e = b.flipEpsilon
        text += e < 0 ? "It stays at or above L for every eps >= 0 at this C. "
                      : "At this C it is at or above L for eps >= \(Markdown.number(e, digits: 4)) and below it under that. "
        let flips = b.flipLossBounds
        text += flips.isEmpty ? "At this eps no C between C/1000 and 1000 C changes the verdict.\n\n"
            : "At this eps the verdict changes at C = \(flips.map { Markdown.number($0, digits: 4) }.joined(separator: ", ")) (between C/1000 and 1000 C; the clipped L and L_hat move with C).\n\n"
        let cs = [0.25, 0.5, 1, 2, 4].map { $0 * b.lossBound }, epsilons = [0, 0.05, 0.1, 0.2, 0.5]
        text += "The certified bound minus L (the clipped losses recomputed at each C; negative: the bound fails):\n\n"
        text += Markdown.table(["eps \\ C"] + cs.map { Markdown.number($0) },
                               epsilons.map { eps in [Markdown.number(eps)] + cs.map { Markdown.number(b.margin(lossBound: $0, epsilon: eps)) } })
        return text
    }

    /// How the forms were run, and where they stopped.
    static func formRuns(_ t: HessianTerms) -> String {
        let stops = t.stops
        let counts = [QuadraticForm.Stop.tolerance, .stepCap, .invariant].compactMap { stop in
            stops[stop].map { "\($0) by \(stop == .tolerance ? "the tolerance" : stop == .stepCap ? "the step cap" : "an invariant space (exact)")" }
        }.joined(separator: ", ")
        var text = t.tolerance > 0
            ? "Each form is a Lanczos estimate with a certified interval, run until the interval's width is at most \(Markdown.number(t.tolerance)) of its lower end (so its upper end lies within \(Markdown.percent(100 * t.tolerance))% of the form) or \(t.steps) steps; of the \(stops.values.reduce(0, +)) forms over the probes, \(counts) stopped."
            : "Each form is a \(t.steps)-step Lanczos estimate with a certified interval."
        if t.schedule.count > 1 {
            text += " Runs of at most \(t.schedule.map(String.init).joined(separator: ", ")) steps: every probe gets the first, then the probe with the largest upper end gets the next, until it has had the last."
        }
        return text
    }

    /// " (loose: the upper end is 1.41x the estimate)" beside a certified interval that `HessianTerms.Block.looseness` flags.
    static func looseNote(_ k: HessianTerms.Block) -> String {
        k.looseness.map { " (**loose**: the upper end is \(Markdown.number($0, digits: 3))x the estimate; more --steps would tighten it)" } ?? ""
    }

    /// The JSON's warning for a loose block, or nil.
    static func looseWarning(_ k: HessianTerms.Block) -> String? {
        k.looseness.map { "loose certificate: the upper end is \(Markdown.number($0, digits: 3))x the estimate (flagged above \(HessianTerms.looseFactor)x)" }
    }

    public static func json(_ b: GeneralizationBound) -> String {
        func evaluation(_ e: GeneralizationBound.Evaluation) -> [String: Any] {
            ["hessian_sum": e.hessianSum, "bound": e.bound, "tightness": e.tightness, "predicted_gap": e.predictedGap]
        }
        func form(_ f: QuadraticForm) -> [String: Any] {
            ["estimate": f.estimate, "interval": [f.interval.lowerBound, f.interval.upperBound], "raw": f.raw, "steps": f.steps,
             "stopped_by": f.stop.label]
        }
        func blocks(_ terms: HessianTerms) -> [[String: Any]] {
            terms.blocks.map { k -> [String: Any] in
                var row: [String: Any] = [
                    "block": k.block.name, "parameters": k.block.range.count, "v_norm": k.directionNorm, "estimate": k.estimate,
                    "interval": [k.interval.lowerBound, k.interval.upperBound], "certified": k.certified, "argmax_sample": k.argmax,
                    "full_runs": k.fullRuns,
                    "raw_max": k.rawMax, "batch_mean": k.batchMean.map(form) ?? NSNull(), "per_sample": k.perSample.map(form)]
                if let warning = looseWarning(k) { row["warning"] = warning }
                return row
            }
        }
        var object: [String: Any] = [
            "train_loss": b.trainLoss, "test_loss": b.testLoss, "n": b.n, "eps": b.epsilon,
            "loss_bound": b.lossBound, "loss_bound_source": b.lossBoundSource.label,
            "train_losses_unclipped": b.trainLosses, "test_losses_unclipped": b.testLosses,
            "clipped_fraction": ["train": b.clippedFraction.train, "test": b.clippedFraction.test],
            "flip_epsilon": b.flipEpsilon, "flip_loss_bounds": b.flipLossBounds,
            "probe_source": b.probeSource, "samples": b.terms.samples,
            "exceedance_at_99_percent": GeneralizationBound.exceedance(probes: b.terms.samples, delta: delta),
            "running_hessian_sum": b.runningHessianSum,
            "lanczos_steps": b.terms.steps, "schedule": b.terms.schedule, "rtol": b.terms.tolerance,
            "hvps": b.terms.applications + (b.trainingTerms?.applications ?? 0),
            "measured_gap": b.measuredGap, "at_estimate": evaluation(b.atEstimate), "certified": evaluation(b.certified),
            "blocks": blocks(b.terms),
        ]
        if !b.caveats.isEmpty { object["caveats"] = b.caveats }
        if let training = b.trainingTerms, let comparison = b.trainingComparison {
            object["training"] = ["samples": training.samples, "certified": evaluation(comparison), "blocks": blocks(training)] as [String: Any]
        }
        return JSON.render(object)
    }

    /// sqrt(h_i) per block: the estimate and the certified interval of the maximum.
    public static func chart(_ b: GeneralizationBound) -> Plot {
        var plot = Plot(title: "Hessian terms of Theorem 2 per block", xLabel: "block", yLabel: "sqrt(h_i)", logX: false, logY: false)
        plot.xCategories = b.terms.blocks.map(\.block.name)
        let blocks = b.terms.blocks.enumerated()
        plot.add(.ranges(blocks.map { (Double($0), $1.roots.interval.lowerBound, $1.roots.interval.upperBound) },
                         label: "certified interval", color: Plot.palette[0]))
        plot.add(.points(blocks.map { (Double($0), $1.roots.estimate) }, label: "Lanczos estimate", color: Plot.palette[0]))
        plot.add(.points(blocks.map { (Double($0), $1.roots.rawMax) }, label: "untruncated maximum", color: Plot.palette[1], hollow: true))
        return plot
    }

    /// Writes `index.md` and `hessian-terms.svg` as the directory `destination`, whole or not at all
    /// (`AtomicDirectory`).
    public static func write(_ b: GeneralizationBound, provenance: String, to destination: String) throws {
        try AtomicDirectory.write(to: destination) { directory in
            try AtomicFile.write(chart(b).svg(), to: "\(directory)/hessian-terms.svg")
            try AtomicFile.write(markdown(b, provenance: provenance) + "\n![sqrt(h_i) per block](hessian-terms.svg)\n",
                                 to: "\(directory)/index.md")
        }
    }
}
