import Hessian
import LinearAlgebra

/// The Hessian of a GPT-2 model's mean loss on one batch, at fixed weights, as a symmetric operator
/// for the Hessian engine: each application is one exact forward-over-reverse HVP in Float64. Its
/// blocks are the model's (`embeddings`, `h.0` … `h.{L−1}`, `ln_f`), so `BlockRestriction` gives the
/// diagonal blocks H_bb of Theorem 1; a batch of one sequence gives a per-sample Hessian.
public struct GPT2HessianOperator: SymmetricOperator {
    public let model: GPT2<Double>
    public let batch: TokenBatch
    public let blocks: [ParameterBlock]

    public init(parameters: GPT2Parameters, batch: TokenBatch) {
        model = GPT2<Double>(parameters)
        self.batch = batch
        blocks = parameters.blocks
    }

    public var dimension: Int { model.weights.count }

    /// - Complexity: one HVP, about four forward passes.
    public func apply(_ x: UnsafeBufferPointer<Double>, into y: UnsafeMutableBufferPointer<Double>) {
        let hv = model.hessianVectorProduct(batch, direction: Array(x)).hvp
        for i in 0..<hv.count { y[i] = hv[i] }
    }
}
