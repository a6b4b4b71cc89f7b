import _Files
import Curves
import Foundation
import Hessian
import Theory

/// `lens corollary`: Corollary 1 confronted with checkpoints fine-tuned on increasing n.
public enum CorollaryReport {
    public static func markdown(_ c: CorollaryOne, provenance: String) -> String {
        let l = c.blockNames.count
        var text = "# Corollary 1 across data sizes\n\n\(provenance)\n\n"
        text += """
        Corollary 1 of the paper: if the Hessian terms of Theorem 2 decay as h_i <= C2 n^-beta2, the bound's Hessian term
        T(n) = sqrt(C) sum_i sqrt(h_i) / sqrt(n) is at most C3 n^-beta3 with beta3 = (beta2 + 1)/2 and C3 = sqrt(C l C2),
        l = \(l) blocks, so that L <= (1 + eps) L_hat + (1 + eps) C3 n^-beta3 + O(n^-3/4). That constant follows from the
        hypothesis read on the **sum**, sum_i h_i <= C2 n^-beta2 (Cauchy-Schwarz: sum_i sqrt(h_i) <= sqrt(l sum_i h_i)); read
        on **each** block, h_i <= C2 n^-beta2 gives only l sqrt(C C2), sqrt(l) times more. (Were the bound's Hessian term
        sqrt(C sum_i h_i / n), a root of the sum, at most sum_i sqrt(h_i) sqrt(C / n) by Cauchy-Schwarz, sqrt(C l C2) would
        follow under the each-block reading too; whether Ju et al. state that form could not be checked, their paper's
        text being unavailable here.) The fits below check the sum reading (its beta2 and C2 are the corollary's); each
        block is fitted too, and the derivation is checked under both readings. h_i is the certified upper end of the maximum
        over the test sequences, one fixed probe set drawn from the data distribution for every n (Theorem 2's max over D;
        a maximum over the n training samples would both miss D and change with n); C is one
        constant for all n, the largest of the sizes' C (\(Markdown.number(c.lossBound, digits: 6)); the source of each is in
        the JSON). Pair n is fine-tuned on the first n sequences of the training split; L is measured on one test split
        for all n. Power laws are least-squares lines in log-log with 95% Student-t intervals, fitted over all sizes and
        again from the size with the largest sum_i h_i on: below it the h_i grow with n, and no decay law can hold there.
        The bound leaves out the O(n^-3/4) term, so it may fall below L where that term matters.


        """
        text += "## Checkpoints\n\n"
        text += Markdown.table(["n", "fine-tuning", "L_hat", "L", "gap L - L_hat", "C at n", "sum_i h_i", "T(n)", "bound (certified)", "bound / L", "bound >= L"],
            zip(c.checkpoints, zip(c.hessianSums, c.hessianTerms)).map { k, values in
                let b = k.bound
                let run = k.fineTuning.map { f in
                    "\(f.steps) steps of \(f.batchSize)" + (f.firstLoss.isFinite && f.lastLoss.isFinite ? ", loss \(Markdown.number(f.firstLoss)) -> \(Markdown.number(f.lastLoss))" : "")
                } ?? "given"
                return ["\(k.n)", run, Markdown.number(b.trainLoss), Markdown.number(b.testLoss), Markdown.number(b.measuredGap),
                        Markdown.number(b.lossBound), Markdown.number(values.0), Markdown.number(values.1),
                        Markdown.number(b.certified.bound), Markdown.number(b.certified.tightness), b.certified.bound >= b.testLoss ? "yes" : "**no**"]
            })
        text += "\n## h_i per block (certified upper ends of the maximum over the probe set)\n\n"
        text += Markdown.table(["n"] + c.blockNames, c.checkpoints.map { k in
            ["\(k.n)"] + k.bound.terms.blocks.map { h in
                Markdown.number(h.certified) + BoundReport.looseNote(h)
            }
        })
        let unknown = c.checkpoints.flatMap { k in zip(c.blockNames, k.traces).filter { !$0.1.standardError.isFinite }.map { "\($0.0) at n = \(k.n)" } }
        if !unknown.isEmpty {
            text += "\n**Traces without a standard error** (too few probes): \(unknown.joined(separator: ", ")); their error is unknown.\n"
        }
        text += section(c.all, c, title: "Over all sizes")
        if let beyond = c.beyondPeak {
            text += section(beyond, c, title: "From the peak of sum_i h_i on")
        } else {
            text += "\n## From the peak of sum_i h_i on\n\n\(noFitsBeyondPeak(c)) The fits above are the only ones.\n"
        }
        return text
    }

    /// Why there are no fits from the peak of Σᵢ h_i on, as the sums go.
    static func noFitsBeyondPeak(_ c: CorollaryOne) -> String {
        let sizes = c.checkpoints.map(\.n), peak = c.peak, after = sizes.count - 1 - peak
        if peak == 0 { return "sum_i h_i is largest at the smallest size, n = \(sizes[0]): there is no rise to cut off." }
        if peak == sizes.count - 1 { return "sum_i h_i is largest at the largest size, n = \(sizes[peak]): no size follows its peak." }
        return "sum_i h_i peaks at n = \(sizes[peak]), and \(after) size\(after == 1 ? "" : "s") follow\(after == 1 ? "s" : ""); a fit from the peak on "
            + "needs \(CorollaryOne.Fits.minimumSizes) sizes in all."
    }

    /// One range of sizes: its fits, beta3 and C3, and the derivation checked at its sizes.
    static func section(_ f: CorollaryOne.Fits, _ c: CorollaryOne, title: String) -> String {
        var text = "\n## \(title) (n = \(f.sizes.map(String.init).joined(separator: ", ")))\n\n### Power-law fits y = c n^-exponent\n\n"
        text += Markdown.table(["quantity", "c", "95% interval of c", "exponent", "95% interval", "log RMSE", "points"], fitRows(f, c).map { name, fit in
            switch fit {
            case .success(let f):
                return [name, Markdown.number(f.coefficient), interval(f.coefficientInterval), Markdown.number(f.exponent),
                        interval(f.exponentInterval), Markdown.number(f.logRMSE), "\(f.pointCount)"]
            case .failure(let error):
                return [name, "no fit: \(error)", "", "", "", "", ""]
            }
        })
        if !f.gapExcluded.isEmpty {
            text += "\nThe gap fit leaves out n = \(f.gapExcluded.map(String.init).joined(separator: ", ")), where the measured gap is not positive.\n"
        }
        text += "\n### beta3 and C3\n\n"
        guard let d = f.derivation else {
            return text + "The sum of the h_i could not be fitted, so beta2 and what follows from it are not available.\n"
        }
        let gamma = try? f.gap.get(), term = try? f.term.get()
        text += Markdown.table(["quantity", "value", "95% interval"], [
            ["beta2 (fit of sum_i h_i)", Markdown.number(d.beta2), interval(d.beta2Interval)],
            ["beta3 = (beta2 + 1)/2", Markdown.number(d.beta3), interval(d.beta3Interval)],
            ["C2 (fit of sum_i h_i)", Markdown.number(d.c2), interval(d.c2Interval)],
            ["C3 = sqrt(C l C2)", Markdown.number(d.c3), interval(d.c3Interval)],
            ["gamma: measured gap ~ n^-gamma", gamma.map { Markdown.number($0.exponent) } ?? "-", interval(gamma?.exponentInterval)],
            ["exponent of T(n) itself", term.map { Markdown.number($0.exponent) } ?? "-", interval(term?.exponentInterval)],
        ])
        text += "\n- beta2 is \(f.beta2Sign?.label ?? "without an interval (too few sizes)")"
            + (f.beta2Sign == .positive ? ": the Hessian terms decrease with n, as the corollary assumes.\n" : ": the corollary assumes it positive.\n")
        text += "- The measured gap's exponent gamma and beta3: " + agreement(f.gapExponentAgrees) + ".\n"
        text += "- T(n)'s own exponent and beta3: " + agreement(f.termExponentAgrees)
            + " (they differ where the blocks' h_i decay at different rates, or not as a power law).\n"
        text += """

        ### The derivation, checked at these sizes

        At the fitted beta2: the least C2 for which the hypothesis holds at every size here, read on the sum
        (\(Markdown.number(d.sumEnvelopeC2))) and on each block (\(Markdown.number(d.eachEnvelopeC2))), and the envelopes C3 n^-beta3 they give.
        T(n) must lie below the sum reading's sqrt(C l C2) n^-beta3 and below the each-block reading's l sqrt(C C2) n^-beta3;
        the paper's constant sqrt(C l C2) under the each-block reading need not hold.


        """
        text += Markdown.table(["n", "T(n)", "sum: sqrt(C l C2) n^-beta3", "each: sqrt(C l C2) n^-beta3", "each: l sqrt(C C2) n^-beta3"],
            d.checks.map { [
                "\($0.n)", Markdown.number($0.term), Markdown.number($0.sumEnvelope), Markdown.number($0.eachPaper), Markdown.number($0.eachNeeded),
            ] })
        text += "\n- Sum reading, C3 = sqrt(C l C2): " + (d.sumReadingHolds ? "holds at every n" : "**fails** at some n (a defect: it cannot)") + ".\n"
        text += "- Each-block reading, l sqrt(C C2): " + (d.eachReadingNeededConstantHolds ? "holds at every n" : "**fails** at some n (a defect: it cannot)") + ".\n"
        text += "- Each-block reading with the paper's sqrt(C l C2): "
            + (d.eachReadingPaperConstantHolds ? "holds at every n here" : "fails at some n: under this reading the paper's constant is too small") + ".\n"
        return text
    }

    static func fitRows(_ f: CorollaryOne.Fits, _ c: CorollaryOne) -> [(String, Result<PowerLawLine, FitError>)] {
        zip(c.blockNames, f.blocks).map { ("h_i, \($0)", $1) } + [("sum_i h_i", f.sum), ("T(n)", f.term), ("gap L - L_hat", f.gap)]
            + zip(c.blockNames, f.traces).map { ("tr(H_i), \($0)", $1) }
    }

    static func interval(_ r: ClosedRange<Double>?) -> String {
        r.map { "[\(Markdown.number($0.lowerBound)), \(Markdown.number($0.upperBound))]" } ?? "-"
    }

    static func agreement(_ agrees: Bool?) -> String {
        switch agrees {
        case .some(true): "their intervals overlap"
        case .some(false): "their intervals do not overlap"
        case .none: "not comparable (an interval is missing)"
        }
    }

    public static func json(_ c: CorollaryOne) -> String {
        func range(_ r: ClosedRange<Double>?) -> Any { r.map { [$0.lowerBound, $0.upperBound] } ?? NSNull() }
        let object: [String: Any] = [
            "eps": c.epsilon, "loss_bound": c.lossBound, "blocks": c.blockNames, "reading": "sum: sum_i h_i <= C2 n^-beta2",
            "checkpoints": zip(c.checkpoints, zip(c.hessianSums, c.hessianTerms)).map { k, values -> [String: Any] in
                let b = k.bound
                return [
                    "n": k.n, "train_loss": b.trainLoss, "test_loss": b.testLoss, "measured_gap": b.measuredGap,
                    "loss_bound": b.lossBound, "loss_bound_source": b.lossBoundSource.label, "hessian_sum": values.0, "hessian_term": values.1,
                    "bound_certified": b.certified.bound, "bound_at_estimate": b.atEstimate.bound, "tightness": b.certified.tightness,
                    "lanczos_steps": b.terms.steps, "hvps": b.terms.applications,
                    "fine_tuning": k.fineTuning.map { ["steps": $0.steps, "batch": $0.batchSize, "first_loss": $0.firstLoss, "last_loss": $0.lastLoss] as [String: Any] } ?? NSNull(),
                    "blocks": zip(b.terms.blocks, k.traces).map { h, trace -> [String: Any] in
                        ["block": h.block.name, "certified": h.certified, "estimate": h.estimate, "interval": range(h.interval),
                         "raw_max": h.rawMax, "argmax_sample": h.argmax, "v_norm": h.directionNorm,
                         "batch_mean": h.batchMean.map { $0.estimate } ?? NSNull(),
                         "trace": trace.value, "trace_standard_error": trace.standardError, "trace_hvps": trace.applications]
                            .merging(BoundReport.looseWarning(h).map { ["warning": $0] } ?? [:]) { $1 }
                            .merging(trace.standardError.isFinite ? [:] : ["trace_warning": "no standard error (too few probes): the trace's error is unknown"]) { $1 }
                    },
                ]
            },
            "fits": fits(c.all, c), "fits_beyond_peak": c.beyondPeak.map { fits($0, c) } ?? NSNull(),
        ]
        return JSON.render(object)
    }

    /// One range's fits, beta3, C3 and the derivation's check, as JSON.
    static func fits(_ f: CorollaryOne.Fits, _ c: CorollaryOne) -> [String: Any] {
        func range(_ r: ClosedRange<Double>?) -> Any { r.map { [$0.lowerBound, $0.upperBound] } ?? NSNull() }
        func fit(_ f: Result<PowerLawLine, FitError>) -> [String: Any] {
            switch f {
            case .success(let f):
                ["coefficient": f.coefficient, "coefficient_interval": range(f.coefficientInterval), "exponent": f.exponent,
                 "exponent_interval": range(f.exponentInterval), "level": f.level, "log_rmse": f.logRMSE, "points": f.pointCount]
            case .failure(let error): ["error": error.description]
            }
        }
        let derivation: Any = f.derivation.map { d -> [String: Any] in [
            "beta2": d.beta2, "beta2_interval": range(d.beta2Interval), "c2": d.c2, "c2_interval": range(d.c2Interval),
            "beta3": d.beta3, "beta3_interval": range(d.beta3Interval), "c3": d.c3, "c3_interval": range(d.c3Interval),
            "sum_envelope_c2": d.sumEnvelopeC2, "sum_envelope_c3": d.sumEnvelopeC3,
            "each_envelope_c2": d.eachEnvelopeC2, "each_paper_c3": d.eachPaperC3, "each_needed_c3": d.eachNeededC3,
            "sum_reading_holds": d.sumReadingHolds, "each_reading_needed_constant_holds": d.eachReadingNeededConstantHolds,
            "each_reading_paper_constant_holds": d.eachReadingPaperConstantHolds,
            "checks": d.checks.map { ["n": $0.n, "term": $0.term, "sum_envelope": $0.sumEnvelope, "each_paper": $0.eachPaper,
                                      "each_needed": $0.eachNeeded] as [String: Any] },
        ] } ?? NSNull()
        return [
            "sizes": f.sizes,
            "blocks": zip(c.blockNames, f.blocks).map { ["block": $0, "fit": fit($1)] as [String: Any] },
            "sum": fit(f.sum), "hessian_term": fit(f.term), "gap": fit(f.gap), "gap_excluded": f.gapExcluded,
            "traces": zip(c.blockNames, f.traces).map { ["block": $0, "fit": fit($1)] as [String: Any] },
            "beta2_sign": f.beta2Sign?.label ?? NSNull(),
            "gap_exponent_agrees_with_beta3": f.gapExponentAgrees ?? NSNull(),
            "term_exponent_agrees_with_beta3": f.termExponentAgrees ?? NSNull(),
            "derivation": derivation,
        ]
    }

    /// Points of a log-log chart: only the positive ones can be drawn.
    static func positive(_ n: [Double], _ y: [Double]) -> [(x: Double, y: Double)] {
        zip(n, y).filter { $0.1 > 0 && $0.1.isFinite }.map { (x: $0.0, y: $0.1) }
    }

    /// The fitted line over the measured range of n, for drawing.
    static func line(_ fit: Result<PowerLawLine, FitError>, _ n: [Double]) -> [(x: Double, y: Double)]? {
        guard let f = try? fit.get(), let lo = n.first, let hi = n.last else { return nil }
        return (0...32).map { k in
            let x = exp(log(lo) + (log(hi) - log(lo)) * Double(k) / 32)
            return (x, f(x))
        }
    }

    /// The fits the charts draw: from the peak of sum_i h_i on when there are such, else over all sizes;
    /// with their legend label and their sizes.
    static func drawn(_ c: CorollaryOne) -> (fits: CorollaryOne.Fits, label: String, n: [Double]) {
        let f = c.beyondPeak ?? c.all
        return (f, c.beyondPeak == nil ? "fit" : "fit, n >= \(f.sizes[0])", f.sizes.map(Double.init))
    }

    /// h_i per block and their sum against n, with the fitted power laws.
    public static func hessianChart(_ c: CorollaryOne) -> Plot {
        var plot = Plot(title: "Hessian terms h_i against n", xLabel: "training samples n", yLabel: "h_i, certified (nats per token)", logX: true, logY: true)
        let (f, label, fitted) = drawn(c)
        let series = c.blockNames.indices.map { ($0, c.blockNames[$0], f.blocks[$0], c.hessianTerms(block: $0)) }
            + [(c.blockNames.count, "sum_i h_i", f.sum, c.hessianSums)]
        for (index, name, fit, values) in series {
            let color = Plot.palette[index % Plot.palette.count]
            plot.add(.points(positive(c.sizes, values), label: name, color: color))
            if let line = line(fit, fitted) { plot.add(.line(line, label: label, color: color, dashed: true)) }
        }
        return plot
    }

    /// The measured gap, T(n) and the corollary's envelope against n.
    public static func gapChart(_ c: CorollaryOne) -> Plot {
        var plot = Plot(title: "Generalization gap against n", xLabel: "training samples n", yLabel: "loss (nats per token)", logX: true, logY: true)
        let (f, label, fitted) = drawn(c)
        plot.add(.points(positive(c.sizes, c.checkpoints.map(\.bound.measuredGap)), label: "measured gap", color: Plot.palette[0]))
        if let line = line(f.gap, fitted) { plot.add(.line(line, label: "power law, \(label)", color: Plot.palette[0], dashed: true)) }
        plot.add(.points(positive(c.sizes, c.hessianTerms), label: "Hessian term of the bound", color: Plot.palette[1]))
        if let d = f.derivation {
            plot.add(.line(d.checks.map { (Double($0.n), $0.sumEnvelope) }, label: "Corollary 1's envelope", color: Plot.palette[1], dashed: true))
        }
        return plot
    }

    /// tr(H_i) per block against n, with the fitted power laws (positive traces only).
    public static func traceChart(_ c: CorollaryOne) -> Plot {
        var plot = Plot(title: "Block Hessian traces against n", xLabel: "training samples n", yLabel: "tr(H_i) (nats per token / weight^2)", logX: true, logY: true)
        let (f, label, fitted) = drawn(c)
        for (index, (name, fit)) in zip(c.blockNames, f.traces).enumerated() {
            let color = Plot.palette[index % Plot.palette.count]
            plot.add(.points(positive(c.sizes, c.traces(block: index)), label: name, color: color))
            if let line = line(fit, fitted) { plot.add(.line(line, label: label, color: color, dashed: true)) }
        }
        return plot
    }

    /// Writes `index.md`, `corollary.json` and three SVG charts as the directory `destination`, whole or
    /// not at all (`AtomicDirectory`).
    public static func write(_ c: CorollaryOne, provenance: String, to destination: String) throws {
        try AtomicDirectory.write(to: destination) { directory in
            try AtomicFile.write(hessianChart(c).svg(), to: "\(directory)/hessian-terms.svg")
            try AtomicFile.write(gapChart(c).svg(), to: "\(directory)/gap.svg")
            try AtomicFile.write(traceChart(c).svg(), to: "\(directory)/traces.svg")
            try AtomicFile.write(json(c), to: "\(directory)/corollary.json")
            try AtomicFile.write(markdown(c, provenance: provenance)
                + "\n![h_i against n](hessian-terms.svg)\n\n![gap against n](gap.svg)\n\n"
                + "*The measured gap is L - L_hat; the Hessian term of the bound T(n) = sqrt(C) sum_i sqrt(h_i) / sqrt(n); Corollary 1's "
                + "envelope sqrt(C l C2) n^-beta3, with beta3 = (beta2 + 1) / 2; the power laws c n^-gamma are least-squares fits in log-log.*\n\n"
                + "![traces against n](traces.svg)\n",
                to: "\(directory)/index.md")
        }
    }
}
