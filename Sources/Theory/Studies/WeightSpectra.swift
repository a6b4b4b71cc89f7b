import LinearAlgebra
import Models

/// NLPmetrics' heavy-tail exponent of a checkpoint (Martin, Peng & Mahoney 2021), a selection score
/// that needs no fine-tuning: for each weight matrix W (N, M) of the transformer layers, the
/// eigenvalues λ = s² / N of WᵀW / N (s the singular values, LAPACK) are fitted with a power-law tail
/// (`PowerLawTail`), and the checkpoint's score is the mean α over the matrices. Heavier tails
/// (smaller α) go with better-trained layers, so a smaller mean α predicts the better model.
/// - Complexity: O(L C³) for L layers of width C.
public struct WeightSpectra: Sendable {
    /// Each matrix: its Hugging Face name and its tail fit (nil when it has too few eigenvalues).
    public var matrices: [(name: String, tail: PowerLawTail?)]

    /// The two-dimensional weights of every layer: attn.c_attn, attn.c_proj, mlp.c_fc, mlp.c_proj.
    public init(_ parameters: GPT2Parameters) {
        matrices = parameters.tensors.filter { $0.shape.count == 2 && $0.name.hasPrefix("h.") }.map { tensor in
            let (rows, columns) = (tensor.shape[0], tensor.shape[1])
            let eigenvalues = SingularValues.of(Array(parameters.values[tensor.range]), rows: rows, columns: columns)?
                .map { $0 * $0 / Double(rows) }
            return (tensor.name, eigenvalues.flatMap { PowerLawTail.fit($0) })
        }
    }

    /// The mean α over the matrices that have a fit; nil when none has.
    public var meanAlpha: Double? {
        let alphas = matrices.compactMap { $0.tail?.alpha }
        return alphas.isEmpty ? nil : alphas.reduce(0, +) / Double(alphas.count)
    }
}
