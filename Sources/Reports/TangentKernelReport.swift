import _Files
import Foundation
import Theory

/// `lens ntk`: the tangent kernel of a checkpoint and the offset F(Θ, t) of the LensLLM law.
public enum TangentKernelReport {
    public static func json(_ s: TangentKernelSummary) -> String {
        JSON.encode(s)
    }

    public static func markdown(_ s: TangentKernelSummary, provenance: String) -> String {
        var text = "# Tangent kernel and the LensLLM offset F\n\n\(provenance)\n\n"
        text += """
        Theta_jk = grad f(x_j) . grad f(x_k) over \(s.sequences) probe sequences (eq. 8), f the mean log-likelihood of a
        sequence's targets (0 is a perfect fit). F(Theta, t) = ||exp(-eta t Theta)(f0 - y)||^2 with y = 0 (eq. 9), through
        Theta's eigen-decomposition; the element-wise exponential of the same kernel is shown for comparison (the released
        LensLLM code forms a scalar Theta, ||grad L_batch||^2, instead of this kernel).


        """
        let ratio = s.elementwiseOffset / s.offset
        text += Markdown.table(["quantity", "value"], [
            ["parameters", "\(s.parameters)"], ["probe sequences m", "\(s.sequences)"],
            ["eta (learning rate), t (steps)", "\(Markdown.number(s.rate)), \(Markdown.number(s.steps))"],
            ["mean f0 (mean log-likelihood)", Markdown.number(s.outputs.reduce(0, +) / Double(max(1, s.sequences)), digits: 6)],
            ["tr Theta", Markdown.number(s.trace, digits: 6)],
            ["largest eigenvalue", Markdown.number(s.eigenvalues.last ?? .nan, digits: 6)],
            ["eigenvalues below 0 by round-off, set to 0", "\(s.clippedEigenvalues)"],
            ["F(Theta, t), matrix exponential", Markdown.number(s.offset, digits: 6)],
            ["F, element-wise exponential (for comparison)", Markdown.number(s.elementwiseOffset, digits: 6)],
            ["element-wise / matrix", Markdown.number(ratio, digits: 4)],
        ])
        text += "\nF(Theta, t') at other step counts (matrix exponential):\n\n"
        text += Markdown.table(["t'", "F"], [0.1, 0.5, 1, 2, 10].map { k in
            [Markdown.number(k * s.steps), Markdown.number(s.offset(steps: k * s.steps), digits: 6)]
        })
        return text
    }

    /// The summary's file inside a `lens ntk --out` directory: what `lens fit --offset-from-ntk` reads.
    public static let summaryFile = "ntk.json"

    /// The report directory: `index.md` and the summary as JSON (`summaryFile`), whole or not at all.
    public static func write(_ s: TangentKernelSummary, provenance: String, to destination: String) throws {
        try AtomicDirectory.write(to: destination) { directory in
            try AtomicFile.write(json(s), to: "\(directory)/\(summaryFile)")
            try AtomicFile.write(markdown(s, provenance: provenance), to: "\(directory)/index.md")
        }
    }
}
