import _Files
import Foundation
import Hessian
import Models
import Theory

/// Markdown and JSON renderings of a checkpoint pair's curvature (`lens hessian`, the demo).
public enum CurvatureTables {
    /// The loss, each tensor's gradient norm, and the per-block table.
    /// - Parameter batch: what the batch is, e.g. the split of a tokens file.
    public static func markdown(_ a: PairCurvature, batch: String) -> String {
        "loss (\(batch), \(a.sequences) x \(a.sequenceLength) tokens): \(a.loss)\n\n"
            + Markdown.table(["tensor", "gradient norm"], a.gradientNorms.map { [$0.name, String(format: "%.6e", $0.norm)] })
            + "\n" + blocks(a.blocks)
    }

    /// Per block: its size, v_bᵀ H_bb v_b, the Lanczos estimate of v_bᵀ H_bb⁺ v_b with its certified
    /// interval and steps, the top eigenvalues of H_bb, and the HVPs spent.
    public static func blocks(_ blocks: [BlockCurvature]) -> String {
        Markdown.table(
            ["block", "parameters", "v^T H v", "v^T H^+ v (Lanczos)", "certified interval", "Lanczos steps", "top eigenvalues", "HVPs"],
            blocks.map { b in
                [b.block.name, "\(b.block.range.count)", String(format: "%.6e", b.raw), String(format: "%.6e", b.truncated.estimate),
                 String(format: "[%.6e, %.6e]", b.truncated.interval.lowerBound, b.truncated.interval.upperBound),
                 "\(b.truncated.steps)", b.top.values.map { String(format: "%.4e", $0) }.joined(separator: ", "), "\(b.applications)"]
            })
    }

    public static func json(_ a: PairCurvature, batch: String) -> String {
        JSON.render([
            "loss": a.loss, "split": batch, "batch": a.sequences, "sequence_length": a.sequenceLength,
            "gradient_norm": Dictionary(uniqueKeysWithValues: a.gradientNorms.map { ($0.name, $0.norm) }),
            "blocks": a.blocks.map { b -> [String: Any] in
                ["block": b.block.name, "parameters": b.block.range.count, "v_norm": b.directionNorm, "vHv": b.raw,
                 "vHplusv": b.truncated.estimate, "vHplusv_interval": [b.truncated.interval.lowerBound, b.truncated.interval.upperBound],
                 "lanczos_steps": b.truncated.steps, "top_eigenvalues": b.top.values, "top_residuals": b.top.residuals,
                 "hvps": b.applications]
            },
        ] as [String: Any])
    }
}
