import Hessian
import LinearAlgebra

/// The Hessian of a GPT-2 model's mean loss on one batch, at fixed weights, as a symmetric operator
/// for the Hessian engine: each application is one exact forward-over-reverse HVP in Float64, on a
/// forward and backward pass run once when the operator is made (`GPT2Linearisation`), into the
/// caller's buffer through a workspace allocated once. Its blocks are the model's (`embeddings`,
/// `h.0` … `h.{L−1}`, `ln_f`), so `BlockRestriction` gives the diagonal blocks H_bb of Theorem 1; a
/// batch of one sequence gives a per-sample Hessian.
///
/// The workspace makes the operator a single-threaded object: apply it from one thread at a time.
public struct GPT2HessianOperator: SymmetricOperator {
    /// The model's forward and backward passes on the batch, computed once at construction.
    public let point: GPT2Linearisation<Double>
    public let blocks: [ParameterBlock]
    private let workspace: GPT2HVPWorkspace<Double>

    public init(parameters: GPT2Parameters, batch: TokenBatch) {
        self.init(model: GPT2<Double>(parameters), batch: batch)
    }

    /// The Hessian of `model` on `batch`, with a workspace of its own or a given one of the batch's shape
    /// (operators on batches of one shape, used one after another, can share one).
    public init(model: GPT2<Double>, batch: TokenBatch, workspace: GPT2HVPWorkspace<Double>? = nil) {
        point = GPT2Linearisation(model, batch: batch)
        blocks = model.layout.blocks.map { ParameterBlock(name: $0.name, range: model.layout.range(of: $0)) }
        self.workspace = workspace ?? GPT2HVPWorkspace(model.config, batch)
        precondition(self.workspace.fits(model.config, batch), "a workspace made for another batch shape or model")
    }

    public var model: GPT2<Double> { point.model }
    public var batch: TokenBatch { point.batch }
    public var dimension: Int { point.model.weights.count }

    /// - Complexity: one HVP on the kept linearisation: the two tangent passes, about six forward
    ///   passes' worth of matrix products; x is read and y written in place.
    public func apply(_ x: UnsafeBufferPointer<Double>, into y: UnsafeMutableBufferPointer<Double>) {
        precondition(x.count == dimension && y.count == dimension, "vectors of the wrong dimension")
        point.hessianVectorProduct(x.baseAddress!, into: y.baseAddress!, workspace: workspace)
    }
}

/// The diagonal block H_bb of a GPT-2 Hessian on one of the model's blocks, as an operator on ℝ^|b|:
/// what `BlockRestriction` gives of a `GPT2HessianOperator`, by block-restricted products that skip
/// the work whose result the block cannot see (`GPT2Linearisation.hessianVectorProduct(_:into:workspace:block:)`).
/// It shares the operator's linearisation and workspace, so like it, it is applied from one thread at a time.
public struct GPT2BlockHessianOperator: SymmetricOperator {
    public let base: GPT2HessianOperator
    public let block: GPT2Block
    public let range: Range<Int>
    private let buffers: Buffers

    /// The padded direction [0; x; 0] (zero outside the block, always) and the product's full-length buffer.
    private final class Buffers {
        var padded: [Double]
        var product: [Double]
        init(_ n: Int) { (padded, product) = ([Double](repeating: 0, count: n), [Double](repeating: 0, count: n)) }
    }

    public init(_ base: GPT2HessianOperator, block: GPT2Block) {
        (self.base, self.block, range) = (base, block, base.model.layout.range(of: block))
        buffers = Buffers(base.dimension)
    }

    public var dimension: Int { range.count }
    public var blocks: [ParameterBlock] { [ParameterBlock(name: block.name, range: 0..<dimension)] }

    /// - Complexity: one block-restricted HVP and O(|b|) copies.
    public func apply(_ x: UnsafeBufferPointer<Double>, into y: UnsafeMutableBufferPointer<Double>) {
        precondition(x.count == dimension && y.count == dimension, "vectors of the wrong dimension")
        buffers.padded.withUnsafeMutableBufferPointer { padded in
            _ = UnsafeMutableBufferPointer(rebasing: padded[range]).update(fromContentsOf: x)
            buffers.product.withUnsafeMutableBufferPointer { product in
                base.apply(restrictedTo: block, UnsafeBufferPointer(padded), into: product)
                _ = y.update(fromContentsOf: UnsafeBufferPointer(rebasing: product[range]))
            }
        }
    }
}

extension GPT2HessianOperator {
    /// The model's blocks, in the order of `blocks`.
    public var modelBlocks: [GPT2Block] { model.layout.blocks }

    /// H_bb x_b for x zero outside `block`, written into the block's range of y (the rest untouched).
    func apply(restrictedTo block: GPT2Block, _ x: UnsafeBufferPointer<Double>, into y: UnsafeMutableBufferPointer<Double>) {
        point.hessianVectorProduct(x.baseAddress!, into: y.baseAddress!, workspace: workspace, block: block)
    }
}
