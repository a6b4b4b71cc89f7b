/// A named contiguous range of an operator's coordinates: one parameter block of a model
/// (`h.0`, `embeddings`, …), whose diagonal block H_bb `SymmetricOperator.apply(_:_:into:)` applies.
/// The one way a block is written, from the model's layout to the reports.
public struct ParameterBlock: Sendable, Equatable {
    public var name: String
    public var range: Range<Int>
    public init(name: String, range: Range<Int>) { (self.name, self.range) = (name, range) }
}

/// A symmetric linear operator H on ℝⁿ known only by its action y = H x: a Hessian-vector product
/// of a model's loss, or an explicit matrix in tests. Everything in this module (Lanczos,
/// quadrature, traces, densities) needs nothing more.
public protocol SymmetricOperator {
    /// n.
    var dimension: Int { get }
    /// The parameter blocks, in order; a single block spanning everything unless the operator
    /// knows better.
    var blocks: [ParameterBlock] { get }
    /// y = H x, into caller-owned storage (x and y both have `dimension` elements and do not alias).
    func apply(_ x: UnsafeBufferPointer<Double>, into y: UnsafeMutableBufferPointer<Double>)
    /// y = H_bb x: the diagonal block of H on `block` (one of `blocks`), x and y both of |b| elements.
    /// By default the padded product (H [0; x; 0])_b; an operator that can skip the work the block
    /// cannot see (a model's tangent pass starting at the block) does so.
    func apply(_ block: ParameterBlock, _ x: UnsafeBufferPointer<Double>, into y: UnsafeMutableBufferPointer<Double>)
}

extension SymmetricOperator {
    public var blocks: [ParameterBlock] { [ParameterBlock(name: "all", range: 0..<dimension)] }

    public func apply(_ block: ParameterBlock, _ x: UnsafeBufferPointer<Double>, into y: UnsafeMutableBufferPointer<Double>) {
        applyPadded(block, x, into: y)
    }

    /// (H [0; x; 0])_b through two full-length buffers made per call: the default block product, for
    /// any contiguous range of coordinates.
    /// - Complexity: one application of H and O(n) copies and allocation.
    public func applyPadded(_ block: ParameterBlock, _ x: UnsafeBufferPointer<Double>, into y: UnsafeMutableBufferPointer<Double>) {
        precondition(x.count == block.range.count && y.count == block.range.count, "vectors of the wrong dimension")
        var padded = [Double](repeating: 0, count: dimension), full = [Double](repeating: 0, count: dimension)
        padded.withUnsafeMutableBufferPointer { padded in
            _ = UnsafeMutableBufferPointer(rebasing: padded[block.range]).update(fromContentsOf: x)
            full.withUnsafeMutableBufferPointer { apply(UnsafeBufferPointer(padded), into: $0) }
        }
        full.withUnsafeBufferPointer { _ = y.update(fromContentsOf: UnsafeBufferPointer(rebasing: $0[block.range])) }
    }

    /// H x as a new array.
    public func apply(_ x: [Double]) -> [Double] {
        var y = [Double](repeating: 0, count: dimension)
        x.withUnsafeBufferPointer { xs in y.withUnsafeMutableBufferPointer { apply(xs, into: $0) } }
        return y
    }
}

/// Counts the applications of the operator it wraps: what Lanczos, power iteration and the
/// estimators spend, reported beside their results.
public final class CountingOperator<Base: SymmetricOperator>: SymmetricOperator {
    public let base: Base
    public private(set) var applications = 0

    public init(_ base: Base) { self.base = base }

    public var dimension: Int { base.dimension }
    public var blocks: [ParameterBlock] { base.blocks }

    public func apply(_ x: UnsafeBufferPointer<Double>, into y: UnsafeMutableBufferPointer<Double>) {
        applications += 1
        base.apply(x, into: y)
    }

    public func apply(_ block: ParameterBlock, _ x: UnsafeBufferPointer<Double>, into y: UnsafeMutableBufferPointer<Double>) {
        applications += 1
        base.apply(block, x, into: y)
    }
}
