import _Files
import Curves
import Foundation

/// Text, markdown and JSON renderings of transition estimates, law fits and selections.
public enum CurveTables {
    // MARK: Transitions

    public static func transitions(_ estimates: [TransitionEstimate]) -> String {
        Markdown.table(
            ["model", "method", "transition n", "interval", "log RMSE", "details", "note"],
            estimates.map { e in
                [e.model, e.method.rawValue, e.size.map { Markdown.compact($0, digits: 4) } ?? "none",
                 (e.interval.map { "[\(Markdown.compact($0.lowerBound)), \(Markdown.compact($0.upperBound))]" } ?? "-")
                    + (e.unresolvedBetween.map { " (**unresolved**: it lies between the measured sizes \(Markdown.compact($0.below)) and \(Markdown.compact($0.above)), which cannot place it)" } ?? ""),
                 Markdown.number(e.logRMSE, digits: 3),
                 e.details.map { "\($0.name)=\(Markdown.compact($0.value, digits: 3))" }.joined(separator: " "),
                 note(e.finding)]
            })
    }

    /// A transition method's finding in words.
    public static func note(_ finding: TransitionFinding) -> String {
        switch finding {
        case .allInPowerPhase: return "too few points for the test: all in the power phase"
        case .powerPhaseFrom(let n): return "power phase from n = \(format(n))"
        case .twoRegimes: return "two regimes preferred by BIC"
        case .oneRegime(let n): return "one regime explains the data as well (BIC); best break at \(format(n.rounded()))"
        case .noPrePowerPhase: return "F = 0: no pre-power phase"
        case .crossover: return "D^beta = F"
        case .crossoverOutsideData(let n): return "D* = F^(1/beta) = \(String(format: "%.3g", n)) lies outside the data"
        }
    }

    /// Each method's accuracy against known transitions, per family of curves.
    public static func transitionAccuracy(_ families: [(name: String, rows: [TransitionAccuracy])]) -> String {
        Markdown.table(["curves", "method", "tried", "located", "median |log(located / true)|", "as a factor", "coverage of the interval", "failed"],
            families.flatMap { family in
                family.rows.map { a in
                    [family.name, a.method.rawValue, "\(a.curves)", "\(a.located)", a.medianLogError.map { Markdown.number($0, digits: 3) } ?? "-",
                     a.medianLogError.map { Markdown.number(exp($0), digits: 3) } ?? "-", a.coverage.map { Markdown.percent(100 * $0) + "%" } ?? "-",
                     "\(a.failures)"]
                }
            })
    }

    public static func transitionsJSON(_ estimates: [TransitionEstimate]) -> String {
        JSON.render(estimates.map { e in
            var o: [String: Any] = ["model": e.model, "method": e.method.rawValue, "log_rmse": e.logRMSE, "note": note(e.finding)]
            o["transition"] = e.size ?? NSNull()
            o["interval"] = e.interval.map { [$0.lowerBound, $0.upperBound] } ?? NSNull()
            o["details"] = Dictionary(uniqueKeysWithValues: e.details.map { ($0.name, $0.value) })
            if let gap = e.unresolvedBetween {
                o["warning"] = "unresolved: the interval lies between the measured sizes \(Markdown.compact(gap.below)) and \(Markdown.compact(gap.above))"
            }
            return o
        })
    }

    // MARK: Fits

    public static func fits(_ fits: [(model: String, fit: LawFit)]) -> String {
        Markdown.table(
            ["model", "law", "points", "B", "beta", "E", "F", "RMSE (loss)", "log RMSE"],
            fits.map { (model, lawFit) in
                let f = lawFit.fit
                var cells = zip(f.law.values, zip(f.standardErrors, f.undetermined)).map { value, error in
                    Markdown.number(value) + (error.1 ? " (not determined: at the edge of its range)" : error.0.map { " ± " + Markdown.number($0, digits: 2) } ?? "")
                }
                if let t = f.kernelSteps { cells[3] += " (kernel, t = \(Markdown.number(t))\(f.undetermined[3] ? ", not determined" : ""))" }
                let points = "\(f.pointCount)" + (lawFit.firstPoint > 0 ? " (from #\(lawFit.firstPoint + 1))" : "")
                    + (lawFit.usedZeroShot ? " incl. n=0" : "")
                return [model, lawFit.kind.rawValue, points] + cells +
                    [Markdown.number(f.rmse, digits: 3), Markdown.number(f.logRMSE, digits: 3)]
            })
    }

    public static func fitsJSON(_ fits: [(model: String, fit: LawFit)]) -> String {
        JSON.render(fits.map { (model, lawFit) in
            let f = lawFit.fit
            var parameters: [String: Any] = [:], errors: [String: Any] = [:]
            for (i, name) in PowerLaw.names.enumerated() {
                parameters[name] = f.law.values[i]
                errors[name] = f.standardErrors[i] ?? NSNull()
            }
            var row: [String: Any] = ["model": model, "law": lawFit.kind.rawValue, "points": f.pointCount,
                                      "first_point": lawFit.firstPoint, "zero_shot_used": lawFit.usedZeroShot,
                                      "parameters": parameters, "standard_errors": errors,
                                      "undetermined": zip(PowerLaw.names, f.undetermined).filter(\.1).map(\.0),
                                      "rmse": f.rmse, "log_rmse": f.logRMSE]
            if let t = f.kernelSteps { row["kernel_steps"] = t }
            return row
        })
    }

    // MARK: Selection

    public static func selection(_ s: Selection, truth: [Double]?, metrics: SelectionMetrics?) -> String {
        let order = s.candidates.indices.sorted { (s.candidates[$0].rank, $0) < (s.candidates[$1].rank, $1) }
        let scoreName = s.method.scoresAreLosses ? "predicted loss" : "log(parameters)"
        var header = ["rank", "model", scoreName]
        if s.hasIntervals { header += ["\(Markdown.percent(100 * Selection.intervalLevel))% interval", "P(best)"] }
        if truth != nil { header.append("true loss") }
        var text = Markdown.table(header, order.map { i in
            let c = s.candidates[i]
            var row = [Markdown.compact(c.rank, digits: 3), c.model + (i == s.selected ? " (selected)" : ""), Markdown.number(c.score)]
            if s.hasIntervals {
                row += [c.interval.map { "[\(Markdown.number($0.lowerBound)), \(Markdown.number($0.upperBound))]" } ?? "-",
                        c.probabilityBest.map { Markdown.number($0, digits: 3) } ?? "-"]
            }
            if let truth { row.append(Markdown.number(truth[i])) }
            return row
        })
        if let result = s.lensllm { text += "\n" + lensllmDesign(result) + "\n" + calibrationSentence(s.calibration) + "\n" }
        if let metrics {
            text += "\nPearCorr \(Markdown.percent(metrics.pearson)), RelAcc \(Markdown.percent(metrics.relativeAccuracy))\n"
        }
        return text
    }

    public static func selectionJSON(_ s: Selection, truth: [Double]?, metrics: SelectionMetrics?) -> String {
        var o: [String: Any] = [
            "method": s.method.rawValue, "selected": s.candidates[s.selected].model,
            "models": s.candidates.indices.map { i -> [String: Any] in
                let c = s.candidates[i]
                var m: [String: Any] = ["model": c.model, "score": c.score, "rank": c.rank]
                if let interval = c.interval { m["interval"] = [interval.lowerBound, interval.upperBound] }
                if let p = c.probabilityBest { m["probability_best"] = p }
                if let truth { m["true_loss"] = truth[i] }
                if let t = c.transition { m["transition_index"] = t }
                return m
            },
        ]
        if let metrics { o["pearson"] = metrics.pearson; o["relative_accuracy"] = metrics.relativeAccuracy }
        if let c = s.calibration { o["interval_calibration"] = calibrationFields(c) }
        if let result = s.lensllm { o.merge(lensllmFields(result)) { $1 } }
        return JSON.render(o)
    }

    /// lensllm's design, the held-back errors behind it and the weight each fit got, in a sentence; and
    /// why it degraded, where it did.
    static func lensllmDesign(_ result: LensLLMSelection.Result) -> String {
        let weights = result.weights(result.design)
        let share = LensLLMSelection.Fit.allCases.map { "\(Markdown.compact(weights[$0]!, digits: 3)) on the \($0.label)" }
            .joined(separator: ", ")
        let design = "lensllm design: \(result.design.rawValue) (\(result.design.summary)); "
        let fallback = result.degradation.map { "; fallback: \($0.sentence)" } ?? ""
        guard let v = result.validation else {
            return design + "no held-back fold (it needs three curves with a point to hold back and the shared-exponent fit "
                + "determined on what is left), so the weights are \(share)" + fallback
        }
        let errors = LensLLMSelection.Fit.allCases.map { "\(Markdown.number(v.medianErrorSum[$0]!, digits: 3)) for the \($0.label)" }
            .joined(separator: ", ")
        return design + "held-back error over \(v.folds) fold\(v.folds == 1 ? "" : "s"): \(errors); weights \(share)" + fallback
    }

    /// What lensllm's intervals were calibrated on, in a sentence.
    static func calibrationSentence(_ c: ExtrapolationCalibration.Intervals?) -> String {
        guard let c else { return "intervals: none (no calibration; see `lens select --help`)" }
        let ratios = c.scores.map { s in
            "reference ratio \(Markdown.number(s.ratio, digits: 4)): q = \(s.quantile(level: c.level).map { Markdown.number($0, digits: 3) } ?? "-") "
                + "from \(s.values.count) scores"
        }.joined(separator: "; ")
        let leftOut = c.leftOut.isEmpty ? "" : " (\(c.leftOut.joined(separator: ", ")) left out: it holds the scored curves)"
        guard !c.scores.isEmpty else {
            return "intervals: none: no reference of \(c.references.joined(separator: ", "))\(leftOut) extrapolates within a factor sqrt 2 "
                + "of this ratio"
        }
        return "intervals: \(Markdown.percent(100 * c.level))%, calibrated on \(c.references.joined(separator: ", "))\(leftOut); \(ratios)"
    }

    /// What the intervals were calibrated on, as a JSON object: level, reference data sets, and per reference
    /// ratio used the number of scores and the conformal multiple q.
    static func calibrationFields(_ c: ExtrapolationCalibration.Intervals) -> [String: Any] {
        ["level": c.level, "references": c.references, "left_out": c.leftOut,
         "ratios": c.scores.map { s -> [String: Any] in
             ["reference_ratio": s.ratio, "scores": s.values.count, "quantile": s.quantile(level: c.level).map { $0 as Any } ?? NSNull()]
         }]
    }

    /// lensllm's design, the held-back errors, the fits' weights and any degradation, as JSON fields.
    static func lensllmFields(_ result: LensLLMSelection.Result) -> [String: Any] {
        func byFit(_ values: [LensLLMSelection.Fit: Double]) -> [String: Double] {
            ["shared_exponent": values[.sharedExponent]!, "shrunk_exponents": values[.shrunkExponents]!]
        }
        var fields: [String: Any] = ["design": result.design.rawValue, "fit_weights": byFit(result.weights(result.design))]
        if let v = result.validation {
            fields["held_back_error"] = ["folds": v.folds, "predictions": v.predictions,
                                         "median_error_sum": byFit(v.medianErrorSum), "mean_squared_error": byFit(v.meanSquaredError)]
        }
        if case .sharedExponentUndetermined(let points, let candidates)? = result.degradation {
            fields["fallback"] = ["reason": "shared exponent undetermined", "power_phase_points": points, "candidates": candidates,
                                  "uses": "shrunk_exponents"] as [String: Any]
        }
        return fields
    }
}
