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

    /// The fits of named (rows, columns) matrices, row-major.
    public init(_ named: [(name: String, rows: Int, columns: Int, values: [Double])]) {
        matrices = named.map { m in
            let eigenvalues = SingularValues.of(m.values, rows: m.rows, columns: m.columns)?.map { $0 * $0 / Double(m.rows) }
            return (m.name, eigenvalues.flatMap { PowerLawTail.fit($0) })
        }
    }

    /// The two-dimensional weights of every layer of a native GPT-2: attn.c_attn, attn.c_proj, mlp.c_fc, mlp.c_proj.
    public init(_ parameters: GPT2Parameters) {
        self.init(parameters.tensors.filter { $0.shape.count == 2 && $0.name.hasPrefix("h.") }.map { tensor in
            (tensor.name, tensor.shape[0], tensor.shape[1], Array(parameters.values[tensor.range]))
        })
    }

    /// The two-dimensional weights of every layer of any checkpoint: the tensors named `layerList`.i.… (the
    /// model's list of transformer layers, "transformer.h", "model.layers"), in the checkpoint's order, read
    /// one at a time.
    public init(checkpoint: CheckpointTensors, layerList: String) {
        let prefix = layerList + "."
        var named: [(name: String, rows: Int, columns: Int, values: [Double])] = []
        for item in checkpoint.entries where item.entry.shape.count == 2 && item.entry.name.hasPrefix(prefix) {
            named.append((item.entry.name, item.entry.shape[0], item.entry.shape[1], checkpoint.values(item)))
        }
        self.init(named)
    }

    /// The mean α over the matrices that have a fit; nil when none has.
    public var meanAlpha: Double? {
        let alphas = matrices.compactMap { $0.tail?.alpha }
        return alphas.isEmpty ? nil : alphas.reduce(0, +) / Double(alphas.count)
    }
}
