import _Files
import Curves
import Foundation
import Hessian
import Theory

/// `lens demo`'s report on really fine-tuned candidates: `index.md` (the selection verdict, a table per
/// candidate, links) and, per candidate, `candidates/<slug>/index.md` with its curve, fits and
/// transitions, the bound against the measured test loss, h_i against n, the Hessian spectral density
/// of its final checkpoint, the tangent kernel's offset and NLPmetrics, and its Corollary 1 report.
public enum DemoReport {
    /// Writes `candidates/` whole or not at all (`AtomicDirectory`), then `index.md`.
    /// - Parameters:
    ///   - selections: one per budget, all with the same candidates and target.
    ///   - description: how the candidates were made, the index's first paragraph.
    ///   - links: lines for the end of the index (other pages of the same run).
    public static func write(_ candidates: [CandidateAnalysis], selections: [CandidateSelection], provenance: String,
                             description: String, links: [String] = [], to directory: String) throws {
        let slugs = CurveReport.slugs(candidates.map(\.result.name))
        try AtomicDirectory.write(to: "\(directory)/candidates") { staging in
            for (candidate, slug) in zip(candidates, slugs) {
                let folder = "\(staging)/\(slug)"
                try CorollaryReport.write(candidate.result.corollary, provenance: provenance, to: "\(folder)/corollary")
                try AtomicFile.write(curvePlot(candidate).svg(), to: "\(folder)/curve.svg")
                try AtomicFile.write(boundPlot(candidate.result.corollary).svg(), to: "\(folder)/bound.svg")
                try AtomicFile.write(CorollaryReport.hessianChart(candidate.result.corollary).svg(), to: "\(folder)/hessian-terms.svg")
                try AtomicFile.write(densityPlot(candidate.result).svg(), to: "\(folder)/density.svg")
                try AtomicFile.write(page(candidate, provenance: provenance), to: "\(folder)/index.md")
            }
        }
        try AtomicFile.write(index(candidates, slugs: slugs, selections: selections, provenance: provenance, description: description, links: links), to: "\(directory)/index.md")
    }

    // MARK: index

    static func index(_ candidates: [CandidateAnalysis], slugs: [String], selections: [CandidateSelection], provenance: String, description: String,
                      links: [String]) -> String {
        let s = selections[0]
        let truthBest = s.best
        let names = s.candidates
        var text = """
        # Which model to fine-tune: the paper at work on fine-tuned GPT-2 candidates

        \(provenance)

        \(description) Each candidate's pairs were measured on held-out target sequences at n = \(candidates[0].result.corollary.checkpoints.map { "\($0.n)" }.joined(separator: ", ")).
        Every method below sees each curve up to a budget only (with the zero-shot
        point; NLPmetrics the weights) and is scored against the test losses measured at n = \(format(s.target)), where
        **\(names[truthBest])** is the best (loss \(Markdown.number(s.truth[truthBest]))). With \(names.count) candidates PearCorr rests on
        \(names.count) points: read it with that in mind.

        """
        for s in selections {
            text += "\n## Selection from n <= \(format(s.budget)) (1/\(Int(s.target / s.budget)) of the target)\n\n" + verdict(s)
        }
        text += """

        Full fine-tuning (every candidate at n = \(format(s.target))) costs \(Markdown.number(s.fullFlops, digits: 3)) FLOPs (6 P per token,
        steps x batch x sequence-length tokens); the curve methods spend the fine-tuning of every candidate at the sizes up to the
        budget, zeroshot, modelsize and NLPmetrics none. NLPmetrics ranks by the mean heavy-tail exponent alpha of the pretrained
        weight matrices' spectra (smaller is better), the others by a predicted loss (modelsize: by size). lensllm fits all
        candidates' power-phase points (after each curve's residual-test transition) at once: with one shared exponent and
        an offset per curve when the points leave at least one residual beyond those 2M + 1 parameters, and otherwise with
        each curve's line, the exponents shrunk toward each other (two points per curve suffice); its row says when it
        falls back.

        ## Candidates


        """
        text += Markdown.table(["candidate", "layers", "width", "parameters", "L(0)", "L at the smaller budget", "L at target",
                                "transition (law)", "bound / L at target", "beta2 (sum h_i)", "mean alpha", "F(Theta, t)"],
                               zip(candidates, slugs).map { c, slug in
            let r = c.result, last = r.corollary.checkpoints.last!
            let law = c.curve.transitions.first { $0.method == .law }.flatMap { try? $0.result.get().size }
            return ["[\(r.name)](candidates/\(slug)/index.md)", "\(r.model.layers)", "\(r.model.width)", "\(r.parameterCount)",
                    Markdown.number(r.zeroShot), r.curve.loss(at: s.budget).map { Markdown.number($0) } ?? "-", Markdown.number(last.bound.testLoss),
                    law.map { Markdown.number($0, digits: 3) } ?? "none", Markdown.number(last.bound.certified.tightness),
                    r.corollary.all.derivation.map { Markdown.number($0.beta2) } ?? "-",
                    r.spectra.meanAlpha.map { Markdown.number($0, digits: 3) } ?? "-", Markdown.number(r.kernel.offset)]
        })
        text += """

        The curves with every method's transitions and law fits: [curves/index.md](curves/index.md) (the CSV: [curves.csv](curves.csv)).

        """
        return text + links.map { $0 + "\n" }.joined()
    }

    /// One budget's table: each method's choice, PearCorr, RelAcc and compute.
    static func verdict(_ s: CandidateSelection) -> String {
        let names = s.candidates
        return Markdown.table(["method", "selects", "PearCorr", "RelAcc", "fine-tuning FLOPs", "saved against full fine-tuning (%)"], s.rows.map { row in
            let saved = s.fullFlops > 0 ? Markdown.percent(100 * (1 - row.flops / s.fullFlops)) : "-"
            switch row.scores {
            case .failure(let error):
                return [row.method, "no selection: \(error.message)", "-", "-", Markdown.number(row.flops, digits: 3), saved]
            case .success:
                let m = row.metrics!
                return [row.method + (row.fallback.map { " (\($0.label))" } ?? ""), names[row.selected!] + (row.selected == s.best ? " (the best)" : ""),
                        m.pearson.isFinite ? Markdown.percent(m.pearson) : "undefined", Markdown.percent(m.relativeAccuracy),
                        Markdown.number(row.flops, digits: 3), saved]
            }
        })
    }

    // MARK: candidate page

    static func page(_ c: CandidateAnalysis, provenance: String) -> String {
        let r = c.result, k = r.corollary, m = r.model
        let shape = "\(m.familyName) with \(m.layers) layer(s), width \(m.width)"
            + (m.heads.map { ", \($0) heads" } ?? "") + (m.context.map { ", context \($0)" } ?? "") + ","
        var text = """
        # \(r.name)

        \(provenance)

        \(shape)
        vocabulary \(m.vocabulary): \(r.parameterCount) parameters. Zero-shot test loss L(0) = \(Markdown.number(r.zeroShot)).

        ## Fine-tuning curve, fits and transitions

        ![test loss against n](curve.svg)


        """
        text += CurveTables.transitions(c.curve.transitions.compactMap { try? $0.result.get() })
        let fits = c.curve.fits.compactMap { entry in (try? entry.result.get()).map { ("\(entry.kind.rawValue), F free", $0) } }
            + c.kernelFits.compactMap { entry in (try? entry.fit.get()).map { (entry.label, $0) } }
        text += "\nThe LensLLM law L(D) = B / (F + D^beta) + E with F free and with F from the pretrained checkpoint's tangent kernel\n"
            + "(eq. 9: F(Theta, t) = ||exp(-eta t Theta)(f0 - y)||^2 on \(r.kernel.sequences) training sequences, eta = \(Markdown.number(r.kernel.rate))):\n\n"
            + CurveTables.fits(fits)
        let failures = c.curve.fits.compactMap { entry -> String? in if case .failure(let e) = entry.result { return e.message }; return nil }
            + c.kernelFits.compactMap { entry -> String? in if case .failure(let e) = entry.fit { return e.message }; return nil }
        if !failures.isEmpty { text += "\nNot fitted:\n\n" + failures.map { "- \($0)\n" }.joined() }
        text += """

        F(Theta, t = \(Int(r.kernel.steps))) = \(Markdown.number(r.kernel.offset)) with the matrix exponential; the element-wise
        exponential of the same kernel, for comparison, gives \(Markdown.number(r.kernel.elementwiseOffset)).

        ## The bound (Theorem 2) against the measured test loss

        ![bound against n](bound.svg)

        *The bound is (1 + eps) L_hat + (1 + eps) sqrt(C) sum_i sqrt(h_i) / sqrt(n) at the certified h_i, without the
        O(n^-3/4) term; the training loss is L_hat, the test loss L.*


        """
        text += Markdown.table(["n", "fine-tuning", "L_hat (train)", "L (test)", "bound (certified)", "bound / L", "sum_i h_i"],
                               zip(k.checkpoints, k.hessianSums).map { point, sum in
            let b = point.bound
            let run = point.fineTuning.map { "\($0.steps) steps of \($0.batchSize)" } ?? "given"
            return ["\(point.n)", run, Markdown.number(b.trainLoss), Markdown.number(b.testLoss), Markdown.number(b.certified.bound),
                    Markdown.number(b.certified.tightness), Markdown.number(sum)]
        })
        text += """

        h_i per block against n, and Corollary 1's fits, derivation and verdict: [corollary/index.md](corollary/index.md).

        ![h_i against n](hessian-terms.svg)

        ## Hessian spectral density of the final checkpoint

        ![spectral density](density.svg)

        The checkpoint fine-tuned on n = \(k.checkpoints.last!.n), its Hessian of the mean loss over the first \(r.densitySequences) of its training
        sequences, by stochastic Lanczos quadrature (\(r.density.applications) Hessian-vector products, Gaussian width
        \(Markdown.number(r.density.width)), 1% of the Ritz values' span).

        ## NLPmetrics: heavy-tail exponents of the pretrained weights


        """
        text += Markdown.table(["matrix", "alpha", "standard error", "lambda_min", "tail eigenvalues", "KS distance"], r.spectra.matrices.map { m in
            guard let t = m.tail else { return [m.name, "too few eigenvalues", "", "", "", ""] }
            return [m.name, Markdown.number(t.alpha, digits: 3), Markdown.number(t.standardError, digits: 2), Markdown.number(t.lowerCutoff),
                    "\(t.tailCount)", Markdown.number(t.distance, digits: 2)]
        })
        return text
    }

    // MARK: charts

    /// The measured curve with the transitions and every fit, F free and from the kernel.
    static func curvePlot(_ c: CandidateAnalysis) -> Plot {
        var plot = CurveReport.plot(c.curve)
        plot.title = "\(c.result.name): test loss after fine-tuning on n sequences"
        plot.yLabel = "test loss (nats per token)"
        for (i, entry) in c.kernelFits.enumerated() {
            guard let fit = try? entry.fit.get() else { continue }
            plot.add(.line(fit.sampled(on: c.curve.curve).map { ($0.size, $0.loss) }, label: entry.label,
                           color: Plot.palette[(LawKind.allCases.count + i) % Plot.palette.count], dashed: true))
        }
        return plot
    }

    /// L̂, L and the certified bound against n.
    static func boundPlot(_ k: CorollaryOne) -> Plot {
        var plot = Plot(title: "Theorem 2's bound against the measured test loss", xLabel: "fine-tuning samples n",
                        yLabel: "loss (nats per token)", logX: true, logY: false)
        let n = k.sizes
        for (i, (label, values)) in [("test loss", k.checkpoints.map(\.bound.testLoss)), ("training loss", k.checkpoints.map(\.bound.trainLoss)),
                                     ("Theorem 2 bound", k.checkpoints.map(\.bound.certified.bound))].enumerated() {
            plot.add(.points(Array(zip(n, values)), label: label, color: Plot.palette[i]))
            plot.add(.line(Array(zip(n, values)), label: "", color: Plot.palette[i]))
        }
        return plot
    }

    /// φ(λ) on 241 points over the Ritz values' span widened by three widths, on a log axis down to 10⁻⁸ of
    /// its peak: below that the curve is not drawn (it breaks), rather than drawn flat along a floor.
    static func densityPlot(_ r: CandidateStudy.Result) -> Plot {
        var plot = Plot(title: "Hessian spectral density, n = \(r.corollary.checkpoints.last!.n)", xLabel: "Hessian eigenvalue (nats per token per unit weight^2)",
                        yLabel: "spectral density", logX: false, logY: true)
        let d = r.density, low = (d.nodes.min() ?? 0) - 3 * d.width, high = (d.nodes.max() ?? 0) + 3 * d.width
        let grid = (0...240).map { low + (high - low) * Double($0) / 240 }
        let values = grid.map { d($0) }, floor = (values.max() ?? 1) * 1e-8
        var runs: [[(x: Double, y: Double)]] = [[]]
        for (x, y) in zip(grid, values) {
            if y >= floor { runs[runs.count - 1].append((x, y)) } else if !runs[runs.count - 1].isEmpty { runs.append([]) }
        }
        for (i, run) in runs.enumerated() where !run.isEmpty {
            plot.add(.line(run, label: i == 0 ? "stochastic Lanczos quadrature" : "", color: Plot.palette[0]))
        }
        return plot
    }
}
