import Hessian
import LinearAlgebra

/// The Hessian of a GPT-2 model's mean loss on one batch, at fixed weights, as a symmetric operator
/// for the Hessian engine: each application is one exact forward-over-reverse HVP in Float64, on a
/// forward and backward pass run once when the operator is made (`GPT2Linearisation`). Its
/// blocks are the model's (`embeddings`, `h.0` … `h.{L−1}`, `ln_f`), so `BlockRestriction` gives the
/// diagonal blocks H_bb of Theorem 1; a batch of one sequence gives a per-sample Hessian.
public struct GPT2HessianOperator: SymmetricOperator {
    /// The model's forward and backward passes on the batch, computed once at construction.
    public let point: GPT2Linearisation<Double>
    public let blocks: [ParameterBlock]

    public init(parameters: GPT2Parameters, batch: TokenBatch) {
        point = GPT2Linearisation(GPT2<Double>(parameters), batch: batch)
        blocks = parameters.blocks
    }

    public var model: GPT2<Double> { point.model }
    public var batch: TokenBatch { point.batch }
    public var dimension: Int { point.model.weights.count }

    /// - Complexity: one HVP on the kept linearisation: the two tangent passes, about six forward
    ///   passes' worth of matrix products.
    public func apply(_ x: UnsafeBufferPointer<Double>, into y: UnsafeMutableBufferPointer<Double>) {
        let hv = point.hessianVectorProduct(Array(x))
        for i in 0..<hv.count { y[i] = hv[i] }
    }
}
