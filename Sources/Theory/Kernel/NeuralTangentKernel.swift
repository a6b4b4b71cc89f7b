import Foundation
import LinearAlgebra
import Models

/// The empirical neural tangent kernel of a GPT-2 checkpoint on m probe sequences (the paper's eq. 8):
///
///     Θ_jk = ∇_θ f(x_j) · ∇_θ f(x_k),    f(x) = (1 / (T − 1)) Σ_t log p_θ(x_{t+1} | x_≤t),
///
/// with f one scalar output per sequence: the mean log-likelihood of its next-token targets, so that
/// f = 0 is a perfect fit and f(x_j) = −(the sequence's mean cross-entropy). The per-token variant (one
/// output per target, an (m(T−1))² kernel) needs a backward pass per token and is not offered.
///
/// Each ∇f(x_j) is one backward pass on sequence j alone (`GPT2.gradient`); the m gradients are held as
/// the rows of G (m, P) and Θ = G Gᵀ is one `dsyrk`.
/// - Complexity: m gradients (about three forward passes each) and O(m² P) for the product;
///   memory m P doubles (`memoryBytes`).
public struct NeuralTangentKernel: Sendable {
    /// m, the probe sequences.
    public var sequences: Int
    /// Θ, row-major (m, m), exactly symmetric.
    public var matrix: [Double]
    /// f(x_j) at the checkpoint, the network's outputs f₀ of eq. 9.
    public var outputs: [Double]

    public init(matrix: [Double], outputs: [Double]) {
        precondition(matrix.count == outputs.count * outputs.count)
        (self.sequences, self.matrix, self.outputs) = (outputs.count, matrix, outputs)
    }

    /// The bytes the per-sequence gradients take: m P doubles, beside one backward pass's activations.
    public static func memoryBytes(parameters: Int, sequences: Int) -> Int { sequences * parameters * MemoryLayout<Double>.size }

    /// The kernel of the model `engine` holds on the sequences of `probes`.
    /// - Parameter progress: called after each sequence's gradient with (done, m).
    public init<Engine: ModelEngine>(engine: Engine, probes: TokenBatch,
                                     progress: ((_ done: Int, _ total: Int) -> Void)? = nil) throws(Engine.Failure) {
        let m = probes.batch, p = engine.parameterCount
        var gradients = [Double](repeating: 0, count: m * p)
        var outputs: [Double] = []
        for j in 0..<m {
            let (loss, gradient) = try engine.gradient(probes.sequence(j))
            outputs.append(-loss)
            // ∇f = −∇(mean cross-entropy); the sign cancels in Θ but is kept so that G is the Jacobian of f.
            for i in 0..<p { gradients[j * p + i] = -gradient[i] }
            progress?(j + 1, m)
        }
        let theta = gradients.withUnsafeBufferPointer { BLAS.gram(rows: m, columns: p, $0) }
        self.init(matrix: theta, outputs: outputs)
    }
}
