import Foundation
import Hessian
import LinearAlgebra
import Models

/// `lens bench hvp`: GPT-2's loss, gradient and exact Hessian-vector products in Float64 on a
/// seeded model and batch, against dgemm on the forward pass's own shapes, all timed in one run.
///
/// Rounds of every measurement are interleaved and the best of each kept: interleaving spreads this
/// machine's slow drifts (shared cores) over all of them instead of loading them on one.
public struct HVPTiming: Sendable {
    public var config: GPT2Config
    public var batch: Int
    public var seed: UInt64
    public var rounds: Int

    public init(config: GPT2Config, batch: Int, seed: UInt64, rounds: Int) {
        (self.config, self.batch, self.seed, self.rounds) = (config, batch, seed, rounds)
    }

    /// Seconds, best of the rounds.
    public struct Result: Sendable {
        public var timing: HVPTiming
        public var parameters: Int
        public var loss, gradient, hvpFromScratch, linearisation, hvpOnLinearisation, blockProduct, dgemm: Double
        /// The forward pass's matrix-product FLOPs.
        public var forwardFlops: Double
        /// The memory of the HVP's reusable workspace.
        public var workspaceBytes: Int
        /// OpenBLAS's kernel set, and a faster one the CPU could run (`BLAS.fasterCore`).
        public var blasCore: String
        public var fasterCore: String?
    }

    /// The forward pass's matrix products (m, n, k) for C = A·B with A (m, k): per layer qkv,
    /// attention projection, MLP up and down; then the logits.
    var forwardShapes: [(m: Int, n: Int, k: Int)] {
        let (n, c, v) = (batch * config.maxPositions, config.channels, config.vocabulary)
        let layer = [(n, 3 * c, c), (n, c, c), (n, 4 * c, c), (n, c, 4 * c)]
        return Array(repeating: layer, count: config.layers).flatMap { $0 } + [(n, v, c)]
    }

    public func run() -> Result {
        let parameters = GPT2Parameters.randomInitialization(config: config, seed: seed)
        let tokens = SyntheticCorpus(vocabulary: config.vocabulary, seed: seed)
            .sample(.target, count: batch, length: config.maxPositions, streamSeed: seed)
        let model = GPT2<Double>(parameters)
        var rng = SeededGenerator(seed: seed)
        let direction = (0..<parameters.count).map { _ in rng.normal() }
        var product = [Double](repeating: 0, count: parameters.count)
        let workspace = GPT2HVPWorkspace<Double>(config, tokens)

        let shapes = forwardShapes
        // The same products on buffers allocated (and touched) before the clock starts.
        var operands = shapes.map { s in
            ([Double](repeating: 0.5, count: s.m * s.k), [Double](repeating: 0.25, count: s.k * s.n), [Double](repeating: 0, count: s.m * s.n))
        }
        func products() {
            for (i, s) in shapes.enumerated() {
                Double.gemm(transposeA: false, transposeB: false, m: s.m, n: s.n, k: s.k, alpha: 1, operands[i].0, lda: s.k,
                            operands[i].1, ldb: s.n, beta: 0, &operands[i].2, ldc: s.n)
            }
        }
        var loss = Stopwatch(), gradient = Stopwatch(), scratch = Stopwatch(), linearisation = Stopwatch()
        var kept = Stopwatch(), block = Stopwatch(), dgemm = Stopwatch()
        // The engine's own path: one block's product, the block of layer h.0, through the operator.
        let op = GPT2HessianOperator(parameters: parameters, batch: tokens)
        let restricted = BlockRestriction(op, block: op.blocks[1])
        let blockDirection = Array(direction[restricted.block.range])
        var blockProduct = [Double](repeating: 0, count: restricted.dimension)
        for _ in 0..<rounds {
            loss.time { _ = model.loss(tokens) }
            gradient.time { _ = model.gradient(tokens) }
            // One-off: the linearisation and the workspace made and released by the call, into a kept output.
            direction.withUnsafeBufferPointer { v in
                product.withUnsafeMutableBufferPointer { hv in
                    scratch.time { _ = model.hessianVectorProduct(tokens, direction: v.baseAddress!, into: hv.baseAddress!) }
                }
            }
            // As the Hessian engine applies H (`GPT2HessianOperator`): the forward and backward passes
            // on the batch are kept, each product runs the two tangent passes into the caller's
            // buffer, and the workspace is made once.
            let point = linearisation.time { GPT2Linearisation(model, batch: tokens) }
            direction.withUnsafeBufferPointer { v in
                product.withUnsafeMutableBufferPointer { hv in
                    kept.time { point.hessianVectorProduct(v.baseAddress!, into: hv.baseAddress!, workspace: workspace) }
                }
            }
            blockDirection.withUnsafeBufferPointer { v in
                blockProduct.withUnsafeMutableBufferPointer { hv in block.time { restricted.apply(v, into: hv) } }
            }
            // Twice: on this VM the first large computation after the HVPs' allocations and frees runs
            // up to 40% slow (measured: 0.65-0.69 s, then 0.45 s), and the baseline is dgemm's own rate.
            for _ in 0..<2 { dgemm.time { products() } }
        }
        return Result(timing: self, parameters: parameters.count, loss: loss.best, gradient: gradient.best,
                      hvpFromScratch: scratch.best, linearisation: linearisation.best, hvpOnLinearisation: kept.best,
                      blockProduct: block.best,
                      dgemm: dgemm.best, forwardFlops: shapes.reduce(0.0) { $0 + 2 * Double($1.m * $1.n * $1.k) },
                      workspaceBytes: workspace.bytes, blasCore: BLAS.coreName, fasterCore: BLAS.fasterCoreHere)
    }
}
