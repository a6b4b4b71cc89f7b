import LinearAlgebra

/// An explicit symmetric matrix, row-major (n, n) (tests and small dense Hessians).
/// - Complexity: O(n²) per application (`cblas_dsymv`).
public struct DenseSymmetricOperator: SymmetricOperator, Sendable {
    public let dimension: Int
    public let entries: [Double]
    public let blocks: [ParameterBlock]

    public init(_ entries: [Double], dimension n: Int, blocks: [ParameterBlock]? = nil) {
        precondition(entries.count == n * n, "a dense operator needs n² entries")
        self.dimension = n
        self.entries = entries
        self.blocks = blocks ?? [ParameterBlock(name: "all", range: 0..<n)]
    }

    public func apply(_ x: UnsafeBufferPointer<Double>, into y: UnsafeMutableBufferPointer<Double>) {
        entries.withUnsafeBufferPointer { a in BLAS.symv(n: dimension, alpha: 1, a, lda: dimension, x, beta: 0, y) }
    }

    /// H_bb x on the submatrix in place. - Complexity: O(|b|²).
    public func apply(_ block: ParameterBlock, _ x: UnsafeBufferPointer<Double>, into y: UnsafeMutableBufferPointer<Double>) {
        let (first, n) = (block.range.lowerBound, block.range.count)
        entries.withUnsafeBufferPointer { a in
            BLAS.symv(n: n, alpha: 1, UnsafeBufferPointer(rebasing: a[(first * dimension + first)...]), lda: dimension, x, beta: 0, y)
        }
    }

    /// Q diag(λ) Qᵀ with Q a product of `reflections` seeded Householder reflections I − 2uuᵀ: a dense
    /// symmetric matrix with exactly the spectrum λ (to round-off), for tests and benchmarks.
    /// - Complexity: O(r n²).
    public init(spectrum lambda: [Double], seed: UInt64, reflections: Int = 4) {
        let n = lambda.count
        var rng = SeededGenerator(seed: seed)
        var a = [Double](repeating: 0, count: n * n)
        for i in 0..<n { a[i * n + i] = lambda[i] }
        for _ in 0..<reflections {
            var u = (0..<n).map { _ in rng.normal() }
            let norm = u.reduce(0) { $0 + $1 * $1 }.squareRoot()
            u = u.map { $0 / norm }
            // H A H = A − 2 u wᵀ − 2 w uᵀ + 4 (uᵀw) u uᵀ with w = A u.
            var w = [Double](repeating: 0, count: n)
            for r in 0..<n { var s = 0.0; for c in 0..<n { s += a[r * n + c] * u[c] }; w[r] = s }
            let uw = zip(u, w).reduce(0) { $0 + $1.0 * $1.1 }
            for r in 0..<n {
                let (ur, wr) = (u[r], w[r])
                for c in 0..<n { a[r * n + c] += -2 * ur * w[c] - 2 * wr * u[c] + 4 * uw * ur * u[c] }
            }
        }
        for r in 0..<n { for c in 0..<r { let m = (a[r * n + c] + a[c * n + r]) / 2; a[r * n + c] = m; a[c * n + r] = m } }
        self.init(a, dimension: n)
    }
}

/// diag(d). - Complexity: O(n) per application.
public struct DiagonalOperator: SymmetricOperator, Sendable {
    public let diagonal: [Double]
    public var dimension: Int { diagonal.count }

    public init(_ diagonal: [Double]) { self.diagonal = diagonal }

    public func apply(_ x: UnsafeBufferPointer<Double>, into y: UnsafeMutableBufferPointer<Double>) {
        for i in 0..<diagonal.count { y[i] = diagonal[i] * x[i] }
    }
}

/// a A + b B (with b = 0 and B anything of the same size, a scaled operator; with B the
/// identity-like `DiagonalOperator` of ones, a shift).
/// - Complexity: one application of each.
public struct LinearCombination<A: SymmetricOperator, B: SymmetricOperator>: SymmetricOperator {
    public let a: Double, first: A
    public let b: Double, second: B

    public init(_ a: Double, _ first: A, _ b: Double, _ second: B) {
        precondition(first.dimension == second.dimension, "operators of different dimensions")
        (self.a, self.first, self.b, self.second) = (a, first, b, second)
    }

    public var dimension: Int { first.dimension }
    public var blocks: [ParameterBlock] { first.blocks }

    public func apply(_ x: UnsafeBufferPointer<Double>, into y: UnsafeMutableBufferPointer<Double>) {
        first.apply(x, into: y)
        BLAS.scale(a, y)
        guard b != 0 else { return }
        var z = [Double](repeating: 0, count: dimension)
        z.withUnsafeMutableBufferPointer { z in
            second.apply(x, into: z)
            BLAS.axpy(b, UnsafeBufferPointer(z), y)
        }
    }
}

/// The diagonal block H_bb of an operator on one of its parameter blocks, as an operator on ℝ^|b|:
/// x ↦ H_bb x, by the base operator's own block-restricted product (`SymmetricOperator.apply(_:_:into:)`).
/// The truncated quadratic forms of Theorem 1 are taken on these.
/// - Complexity: one block-restricted application of the base operator.
public struct BlockRestriction<Base: SymmetricOperator>: SymmetricOperator {
    public let base: Base
    public let block: ParameterBlock

    public init(_ base: Base, block: ParameterBlock) {
        precondition(block.range.lowerBound >= 0 && block.range.upperBound <= base.dimension, "block outside the operator")
        (self.base, self.block) = (base, block)
    }

    public var dimension: Int { block.range.count }
    public var blocks: [ParameterBlock] { [ParameterBlock(name: block.name, range: 0..<dimension)] }

    public func apply(_ x: UnsafeBufferPointer<Double>, into y: UnsafeMutableBufferPointer<Double>) {
        base.apply(block, x, into: y)
    }
}
