import Hessian
import LinearAlgebra

/// The Hessian of a GPT-2 model's mean loss on one batch, at fixed weights, as a symmetric operator
/// for the Hessian engine: each application is one exact forward-over-reverse HVP in Float64, on a
/// forward and backward pass run once when the operator is made (`GPT2Linearisation`), into the
/// caller's buffer through a workspace allocated once. Its blocks are the model's (`embeddings`,
/// `h.0` … `h.{L−1}`, `ln_f`), and its block-restricted products (`apply(_:_:into:)`, hence
/// `BlockRestriction`) start the tangent pass at the block: the diagonal blocks H_bb of Theorem 1. A
/// batch of one sequence gives a per-sample Hessian.
///
/// The workspace makes the operator a single-threaded object: apply it from one thread at a time.
public struct GPT2HessianOperator: SymmetricOperator {
    /// The model's forward and backward passes on the batch, computed once at construction.
    public let point: GPT2Linearisation<Double>
    private let workspace: GPT2HVPWorkspace<Double>

    public init(parameters: GPT2Parameters, batch: TokenBatch) {
        self.init(model: GPT2<Double>(parameters), batch: batch)
    }

    /// The Hessian of `model` on `batch`, with a workspace of its own or a given one of the batch's shape
    /// (operators on batches of one shape, used one after another, can share one); `headProducts` as
    /// `GPT2Linearisation` takes it.
    public init(model: GPT2<Double>, batch: TokenBatch, workspace: GPT2HVPWorkspace<Double>? = nil, headProducts: Int = 0) {
        point = GPT2Linearisation(model, batch: batch, headProducts: headProducts)
        blocks = model.layout.blocks
        self.workspace = workspace ?? GPT2HVPWorkspace(model.config, batch)
        precondition(self.workspace.fits(model.config, batch), "a workspace made for another batch shape or model")
    }

    public var model: GPT2<Double> { point.model }
    public var batch: TokenBatch { point.batch }
    public var dimension: Int { point.model.weights.count }
    public let blocks: [ParameterBlock]

    /// - Complexity: one HVP on the kept linearisation: the two tangent passes, about six forward
    ///   passes' worth of matrix products; x is read and y written in place.
    public func apply(_ x: UnsafeBufferPointer<Double>, into y: UnsafeMutableBufferPointer<Double>) {
        precondition(x.count == dimension && y.count == dimension, "vectors of the wrong dimension")
        point.hessianVectorProduct(x.baseAddress!, into: y.baseAddress!, workspace: workspace)
    }

    /// H_bb x. On one of the model's blocks, by the block-restricted product: x read and y written where
    /// they lie, no padding; on any other range (a single tensor, say), the padded product.
    /// - Complexity: for a transformer layer, the layers from it up and one pair of vocabulary-sized
    ///   products (`GPT2Linearisation.hessianVectorProduct(_:_:into:workspace:)`).
    public func apply(_ block: ParameterBlock, _ x: UnsafeBufferPointer<Double>, into y: UnsafeMutableBufferPointer<Double>) {
        precondition(x.count == block.range.count && y.count == block.range.count, "vectors of the wrong dimension")
        if !point.hessianVectorProduct(block, x.baseAddress!, into: y.baseAddress!, workspace: workspace) { applyPadded(block, x, into: y) }
    }
}
