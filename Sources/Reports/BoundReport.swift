import _Files
import Foundation
import Hessian
import Theory

/// `lens bound`: the generalization bound of a checkpoint pair, its Hessian terms block by block, and
/// how tight it is against the measured test loss.
public enum BoundReport {
    public static func markdown(_ b: GeneralizationBound, provenance: String) -> String {
        let (estimate, certified) = (b.atEstimate, b.certified)
        let t = b.terms
        var text = "# Generalization bound of a fine-tuned checkpoint pair\n\n\(provenance)\n\n"
        text += """
        LensLLM's Theorem 2 (which LensLLM presents as the form of Ju et al.'s Theorem 2.1), with probability 0.99 over the
        n training samples:

            L <= (1 + eps) L_hat + (1 + eps) sqrt(C) sum_i sqrt(h_i) / sqrt(n) + O(n^(-3/4))

        evaluated without the O(n^(-3/4)) term, which has no stated constant. h_i >= max over the training samples of
        v_i^T H_i^+ v_i (one sequence's loss; v_i = fine-tuned - pretrained on block i; H^+ keeps the nonnegative
        eigenvalues), by \(t.steps)-step Lanczos with a certified interval per sample; the certified column uses the upper
        end of each maximum, a valid h_i for the examined samples. Runs of \(t.schedule.map(String.init).joined(separator: ", "))
        steps: every sample gets the first, then the sample with the largest upper end gets the next, until that
        sample has had all \(t.steps); this certifies the same h_i as running every sample in full.


        """
        text += Markdown.table(["quantity", "value"], [
            ["L_hat (mean train loss)", Markdown.number(b.trainLoss, digits: 6)],
            ["L (mean test loss, measured)", Markdown.number(b.testLoss, digits: 6)],
            ["n", "\(b.n)"], ["eps", Markdown.number(b.epsilon)],
            ["C", "\(Markdown.number(b.lossBound, digits: 6)) (\(b.lossBoundSource.rawValue))"],
            ["training samples examined", "\(t.samples)"], ["HVPs", "\(t.applications)"],
        ])
        text += "\n## The bound\n\n"
        text += Markdown.table(["evaluated at", "sum_i sqrt(h_i)", "bound", "bound / L", "predicted gap", "measured gap L - L_hat"], [
            ["Lanczos estimates", Markdown.number(estimate.hessianSum), Markdown.number(estimate.bound), Markdown.number(estimate.tightness),
             Markdown.number(estimate.predictedGap), Markdown.number(b.measuredGap)],
            ["certified upper ends", Markdown.number(certified.hessianSum), Markdown.number(certified.bound), Markdown.number(certified.tightness),
             Markdown.number(certified.predictedGap), Markdown.number(b.measuredGap)],
        ])
        text += "\n## Hessian terms per block\n\n"
        text += Markdown.table(
            ["block", "parameters", "||v_i||", "h_i (max estimate)", "certified interval of the max", "argmax sample",
             "max v^T H v (raw)", "batch-mean v^T H^+ v", "batch-mean interval"],
            t.blocks.map { k in
                [k.block.name, "\(k.block.range.count)", Markdown.number(k.directionNorm), Markdown.number(k.estimate),
                 "[\(Markdown.number(k.interval.lowerBound)), \(Markdown.number(k.interval.upperBound))]", "\(k.argmax)",
                 Markdown.number(k.rawMax), k.batchMean.map { Markdown.number($0.estimate) } ?? "-",
                 k.batchMean.map { "[\(Markdown.number($0.interval.lowerBound)), \(Markdown.number($0.interval.upperBound))]" } ?? "-"]
            })
        text += """

        "raw" is v_i^T H_i v_i without the truncation, the quantity Ju et al.'s released code takes the maximum of (over
        batches); "batch-mean" is the truncated form of the mean loss over all training samples, for comparison with the
        per-sample maximum the theorem asks for.

        """
        return text
    }

    public static func json(_ b: GeneralizationBound) -> String {
        func evaluation(_ e: GeneralizationBound.Evaluation) -> [String: Any] {
            ["hessian_sum": e.hessianSum, "bound": e.bound, "tightness": e.tightness, "predicted_gap": e.predictedGap]
        }
        func form(_ f: QuadraticForm) -> [String: Any] {
            ["estimate": f.estimate, "interval": [f.interval.lowerBound, f.interval.upperBound], "raw": f.raw, "steps": f.steps]
        }
        return JSONText.render([
            "train_loss": b.trainLoss, "test_loss": b.testLoss, "n": b.n, "eps": b.epsilon,
            "loss_bound": b.lossBound, "loss_bound_source": b.lossBoundSource.rawValue,
            "samples": b.terms.samples, "lanczos_steps": b.terms.steps, "schedule": b.terms.schedule,
            "hvps": b.terms.applications,
            "measured_gap": b.measuredGap, "at_estimate": evaluation(b.atEstimate), "certified": evaluation(b.certified),
            "blocks": b.terms.blocks.map { k -> [String: Any] in
                ["block": k.block.name, "parameters": k.block.range.count, "v_norm": k.directionNorm, "estimate": k.estimate,
                 "interval": [k.interval.lowerBound, k.interval.upperBound], "certified": k.certified, "argmax_sample": k.argmax,
                 "full_runs": k.fullRuns,
                 "raw_max": k.rawMax, "batch_mean": k.batchMean.map(form) ?? NSNull(), "per_sample": k.perSample.map(form)]
            },
        ] as [String: Any])
    }

    /// sqrt(h_i) per block: the estimate and the certified interval of the maximum.
    public static func chart(_ b: GeneralizationBound) -> Plot {
        var plot = Plot(title: "Hessian terms of Theorem 2 per block", xLabel: "block", yLabel: "sqrt(h_i)", logX: false, logY: false)
        plot.xCategories = b.terms.blocks.map(\.block.name)
        let blocks = b.terms.blocks.enumerated()
        plot.add(.ranges(blocks.map { (Double($0), $1.roots.interval.lowerBound, $1.roots.interval.upperBound) },
                         label: "certified interval", color: Plot.palette[0]))
        plot.add(.points(blocks.map { (Double($0), $1.roots.estimate) }, label: "Lanczos estimate", color: Plot.palette[0]))
        plot.add(.points(blocks.map { (Double($0), $1.roots.rawMax) }, label: "sqrt(max v^T H v)", color: Plot.palette[1], hollow: true))
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
