import Curves
import _Files
import Foundation

/// `lens report curves`: one markdown page per model (log–log SVG plot of the data, the fitted
/// laws and the transitions with their intervals; tables of parameters and transitions) and an
/// index page.
public enum CurveReport {
    /// Writes `index.md` and, per model, `<slug>.md` and `<slug>.svg` as the directory `destination`,
    /// whole or not at all (`AtomicDirectory`).
    /// - Parameter provenance: how the report was produced (command, input), printed on every page.
    public static func write(_ analyses: [CurveAnalysis], source: String, provenance: String, to destination: String) throws {
        try AtomicDirectory.write(to: destination) { directory in
            try write(analyses, source: source, provenance: provenance, into: directory)
        }
    }

    static func write(_ analyses: [CurveAnalysis], source: String, provenance: String, into directory: String) throws {
        var indexRows: [[String]] = []
        for (analysis, slug) in zip(analyses, slugs(analyses.map(\.curve.model))) {
            try AtomicFile.write(plot(analysis).svg(), to: "\(directory)/\(slug).svg")
            try AtomicFile.write(page(analysis, slug: slug, provenance: provenance), to: "\(directory)/\(slug).md")
            var row = ["[\(analysis.curve.model)](\(slug).md)", "\(analysis.curve.count)"]
            for (_, result) in analysis.transitions {
                row.append((try? result.get().size).flatMap { $0 }.map { Markdown.number($0, digits: 3) } ?? "none")
            }
            for (_, result) in analysis.fits {
                row.append((try? result.get()).map { Markdown.number($0.fit.logRMSE, digits: 2) } ?? "failed")
            }
            row.append((try? analysis.corollaryShape.get()).map { Markdown.number($0.beta2, digits: 3) } ?? "failed")
            indexRows.append(row)
        }
        let index = """
        # Loss-curve analysis of `\(source)`

        \(provenance)

        Transition sizes by the three methods (none: no transition inside the data, see the model's
        page), the log-loss RMSE of each law's fit, and beta2 = 2 beta3 - 1 of the shape Corollary 1 implies,
        which the corollary needs positive (each page says what that fit shows).

        \(Markdown.table(["model", "points"] + TransitionMethod.allCases.map { "transition (\($0.rawValue))" }
                            + LawKind.allCases.map { "log RMSE \($0.rawValue)" } + ["Corollary 1 beta2"], indexRows))
        """
        try AtomicFile.write(index, to: "\(directory)/index.md")
    }

    static func page(_ a: CurveAnalysis, slug: String, provenance: String) -> String {
        let estimates = a.transitions.compactMap { try? $0.result.get() }
        let transitionFailures = a.transitions.compactMap { entry -> String? in
            if case .failure(let e) = entry.result { return "- \(entry.method.rawValue): \(e.message)" }
            return nil
        }
        let fits = a.fits.compactMap { entry in (try? entry.result.get()).map { (a.curve.model, $0) } }
        let fitFailures = a.fits.compactMap { entry -> String? in
            if case .failure(let e) = entry.result { return "- \(entry.kind.rawValue): \(e.message)" }
            return nil
        }
        var text = """
        # \(a.curve.model)

        \(provenance)

        ![loss curve](\(slug).svg)

        \(a.curve.count) fine-tuning sizes from \(format(a.curve.sizes.first ?? 0)) to \(format(a.curve.sizes.last ?? 0))\
        \(a.curve.zeroShot.map { "; zero-shot loss \(Markdown.number($0)) (n = 0, not on the log axis)" } ?? "")\
        \(a.curve.parameterCount.map { "; \(Markdown.number($0, digits: 3)) parameters" } ?? "").

        ## Transitions

        \(CurveTables.transitions(estimates))
        """
        if !transitionFailures.isEmpty { text += "\nNot computed:\n" + transitionFailures.joined(separator: "\n") + "\n" }
        text += """

        ## Fitted laws

        L(D) = B / (F + D^beta) + E, fitted by least squares in log-loss (± one standard error).
        vanilla: F = 0; rectified: F free, with the zero-shot point; lensllm: F free, on the points after
        the residual-test transition, this curve alone (the lensllm *selection* fits all candidates jointly
        with one shared exponent; see the benchmark report).

        \(CurveTables.fits(fits))
        """
        if !fitFailures.isEmpty { text += "\nNot fitted:\n" + fitFailures.joined(separator: "\n") + "\n" }
        text += "\n## Corollary 1's shape (a check of the theory, not a transition)\n\n" + corollarySection(a.corollaryShape, a.curve)
        return text
    }

    static func corollarySection(_ result: Result<CorollaryShape, CurveError>, _ curve: LossCurve) -> String {
        let fit: CorollaryShape
        switch result {
        case .failure(let error): return "Not fitted: \(error.message)\n"
        case .success(let f): fit = f
        }
        let inside = (curve.sizes.first!...curve.sizes.last!).contains(fit.crossover)
        return """
        Corollary 1 with Theorem 2's remainder implies L = E + C3 n^-beta3 + K n^-3/4 with 0 < beta3 < 3/4: the remainder
        dominates at small n, where the curve would be *steeper* than in the power phase. Fitted by least squares in
        log-loss: E = \(Markdown.number(fit.e)), C3 = \(Markdown.number(fit.c3)), beta3 = \(Markdown.number(fit.beta3)),
        K = \(Markdown.number(fit.k)) (log RMSE \(Markdown.number(fit.logRMSE))). So beta2 = 2 beta3 - 1 = \(Markdown.number(fit.beta2)):
        \(fit.corollaryConsistent ? "positive, as the corollary needs" : "not positive, against the corollary's h_i <= C2 n^-beta2 with beta2 > 0").
        The terms cross at n* = \(Markdown.number(fit.crossover, digits: 3)), \(inside ? "inside" : "outside") the data\(inside ? "" : ": no pre-power phase of this shape is seen")\
        . Where the measured curve is flatter at small n than later, the fit can only drive K toward 0 and
        n* out of the data: the pre-power phase of a test-loss curve is not the shape the remainder term gives.

        """
    }

    static func plot(_ a: CurveAnalysis) -> Plot {
        var plot = Plot(title: a.curve.model, xLabel: "fine-tuning samples n", yLabel: "test loss", logX: true, logY: true)
        let colors = Plot.palette
        for (i, entry) in a.transitions.enumerated() {
            guard let e = try? entry.result.get(), let size = e.size else { continue }
            if let interval = e.interval {
                plot.add(.band(interval, label: "\(entry.method.rawValue) interval", color: colors[4 + i % 3]))
            }
            plot.add(.rule(x: size, label: "\(entry.method.rawValue) n=\(Markdown.number(size, digits: 3))", color: colors[4 + i % 3]))
        }
        plot.add(.points(zip(a.curve.sizes, a.curve.losses).map { ($0, $1) }, label: "measured", color: "#000000"))
        for (i, entry) in a.fits.enumerated() {
            guard let fit = try? entry.result.get() else { continue }
            plot.add(.line(fit.sampled(on: a.curve).map { ($0.size, $0.loss) }, label: entry.kind.rawValue, color: colors[i],
                           dashed: entry.kind == .vanilla))
        }
        return plot
    }

    /// A file name for a model: ASCII letters, digits, '.', '-' and '_' kept, the rest '_', at most 100
    /// characters, never hidden ('.' first) nor `index`.
    public static func slug(_ model: String) -> String {
        var s = String(model.prefix(100).map { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == ".") ? $0 : "_" })
        if s.isEmpty || s.hasPrefix(".") { s = "model" + s }
        return s.lowercased() == "index" ? "model_" + s : s
    }

    /// One file name per model, distinct even where two names map to one slug (`org/model` and
    /// `org_model`) or differ only in case: the later ones get `-2`, `-3`, ...
    public static func slugs(_ models: [String]) -> [String] {
        var taken = Set<String>()
        return models.map { model in
            let base = slug(model)
            var candidate = base, k = 1
            while taken.contains(candidate.lowercased()) {
                k += 1
                candidate = "\(base)-\(k)"
            }
            taken.insert(candidate.lowercased())
            return candidate
        }
    }
}
