import Foundation
import Hessian
import LinearAlgebra
import Models
import TestSupport
import Testing

/// The model's derivatives against finite differences and against their own symmetry, on a seeded
/// random model: these need no reference data (the PyTorch comparisons are in the fixture suites).
struct GPT2DerivativeTests {
    let parameters = SmallModels.parameters(seed: 11)
    let batch = SmallModels.batch(seed: 11)
    var model: GPT2<Double> { GPT2<Double>(parameters) }

    // Every coordinate. Central differences with step 1e-5 have truncation error O(h²) ≈ 1e-10 and
    // round-off O(ε L / h) ≈ 1e-10: agreement to 1e-6 of the gradient's largest entry.
    @Test func gradientAgreesWithCentralDifferencesOfTheLossInEveryCoordinate() {
        let model = self.model
        let (_, grad) = model.gradient(batch)
        let scale = grad.map(abs).max()!
        let h = 1e-5
        var worst = 0.0
        for i in grad.indices {
            var plus = model, minus = model
            plus.weights[i] += h
            minus.weights[i] -= h
            let fd = (plus.loss(batch).mean - minus.loss(batch).mean) / (2 * h)
            worst = max(worst, abs(fd - grad[i]))
        }
        #expect(worst <= 1e-6 * scale, "largest difference \(worst) against gradient scale \(scale)")
    }

    // uᵀ H w = wᵀ H u for random u, w: the HVP is a symmetric operator to round-off.
    @Test func hvpIsSymmetric() {
        let u = SmallModels.normals(parameters.count, seed: 1), w = SmallModels.normals(parameters.count, seed: 2)
        let uHw = SmallModels.dot(u, model.hessianVectorProduct(batch, direction: w).hvp)
        let wHu = SmallModels.dot(w, model.hessianVectorProduct(batch, direction: u).hvp)
        #expect(abs(uHw - wHu) <= 1e-12 * max(abs(uHw), abs(wHu)), "\(uHw) vs \(wHu)")
    }

    // (g(θ + h v) − g(θ − h v)) / 2h = H v + O(h²): at h = 1e-4 along a unit direction the truncation
    // is ~1e-8 and the round-off ~1e-12 / h: agreement to 1e-6 relative.
    @Test func hvpAgreesWithCentralDifferencesOfGradients() {
        let v = SmallModels.normals(parameters.count, seed: 3)
        let unit = v.map { $0 / SmallModels.norm(v) }
        let hv = model.hessianVectorProduct(batch, direction: unit).hvp
        let h = 1e-4
        var plus = model, minus = model
        for i in unit.indices { plus.weights[i] += h * unit[i]; minus.weights[i] -= h * unit[i] }
        let fd = zip(plus.gradient(batch).gradient, minus.gradient(batch).gradient).map { ($0 - $1) / (2 * h) }
        let diff = SmallModels.norm(zip(fd, hv).map { $0 - $1 })
        #expect(diff <= 1e-6 * SmallModels.norm(hv), "relative difference \(diff / SmallModels.norm(hv))")
    }

    // One workspace serves many products: each product overwrites every buffer it reads, so products
    // in any order, through one workspace, equal fresh ones bit for bit (same arithmetic, same order).
    @Test func reusedWorkspaceGivesFreshProductsBitForBit() {
        let point = GPT2Linearisation(model, batch: batch)
        let workspace = GPT2HVPWorkspace<Double>(parameters.config, batch)
        func product(_ v: [Double]) -> [Double] {
            var out = [Double](repeating: .nan, count: v.count)
            v.withUnsafeBufferPointer { v in
                out.withUnsafeMutableBufferPointer { point.hessianVectorProduct(v.baseAddress!, into: $0.baseAddress!, workspace: workspace) }
            }
            return out
        }
        let u = SmallModels.normals(parameters.count, seed: 4), w = SmallModels.normals(parameters.count, seed: 5)
        let first = product(u), other = product(w)
        for (got, want, what) in [(product(u), first, "u after w"), (first, model.hessianVectorProduct(batch, direction: u).hvp, "u fresh"),
                                  (other, model.hessianVectorProduct(batch, direction: w).hvp, "w fresh")] {
            let difference = zip(got, want).map { abs($0 - $1) }.max()!
            #expect(difference == 0, "\(what): products differ by up to \(difference)")
        }
        // The loss alone runs a blocked log-sum-exp, the linearisation the full softmax: round-off apart.
        #expect(abs(point.loss.mean - model.loss(batch).mean) <= 1e-14 * point.loss.mean)
    }

    // The operator the Hessian engine applies, restricted to a block: its dense matrix, built column by
    // column from HVPs, against central differences of the gradient along each unit vector (h = 1e-5:
    // truncation 1e-10, round-off 1e-11 / h), to 1e-6 of the block's largest entry.
    @Test func denseBlockHessianFromTheOperatorMatchesCentralDifferencesOfGradients() {
        let op = GPT2HessianOperator(parameters: parameters, batch: batch)
        let block = op.blocks.first { $0.name == "h.1" }!
        let dense = Self.denseMatrix(BlockRestriction(op, block: block))
        let n = block.range.count
        let scale = dense.map(abs).max()!
        let h = 1e-5
        var worst = 0.0
        for j in 0..<n {
            var plus = model, minus = model
            plus.weights[block.range.lowerBound + j] += h
            minus.weights[block.range.lowerBound + j] -= h
            let (gp, gm) = (plus.gradient(batch).gradient, minus.gradient(batch).gradient)
            for i in 0..<n {
                let fd = (gp[block.range.lowerBound + i] - gm[block.range.lowerBound + i]) / (2 * h)
                worst = max(worst, abs(fd - dense[i * n + j]))
            }
        }
        #expect(worst <= 1e-6 * scale, "largest difference \(worst) against \(scale)")
    }

    // On every block of the random model, against the block's dense LAPACK eigen-decomposition: the
    // Gauss–Lanczos vᵀ H⁺ v's certified interval holds the dense value at 30 steps and the estimate
    // matches it to 1e-9 relative when run to the invariant space; Lanczos's top eigenvalue lies within
    // its reported residual of LAPACK's.
    @Test func truncatedFormAndTopEigenvalueMatchDenseLAPACKOnEveryBlock() throws {
        let pretrained = SmallModels.parameters(seed: 12)
        let v = zip(parameters.values, pretrained.values).map { $0 - $1 }
        let op = GPT2HessianOperator(parameters: parameters, batch: batch)
        for block in op.blocks {
            let restricted = BlockRestriction(op, block: block)
            let n = restricted.dimension
            let dense = Self.denseMatrix(restricted)
            let (values, vectors) = try #require(SymmetricEigen.dense(dense, n: n, vectors: true))
            let q = try #require(vectors)
            let vb = Array(v[block.range])
            // vᵀ H⁺ v = Σ max(λ_j, 0) (q_jᵀ v)².
            let exact = (0..<n).reduce(0.0) { sum, j in
                let c = (0..<n).reduce(0.0) { $0 + q[$1 * n + j] * vb[$1] }
                return sum + max(values[j], 0) * c * c
            }
            let short = GaussQuadrature.quadraticForm(restricted, vector: vb, function: .positivePart, steps: 30)
            #expect(short.interval.contains(exact), "\(block.name): \(exact) outside \(short.interval)")
            let full = GaussQuadrature.quadraticForm(restricted, vector: vb, function: .positivePart, steps: n)
            #expect(abs(full.estimate - exact) <= 1e-9 * max(exact, 1e-12), "\(block.name): \(full.estimate) vs \(exact)")
            let top = ExtremeEigenpairs.compute(restricted, count: 1, tolerance: 1e-10, maxSteps: n, seed: 3)
            #expect(abs(top.values[0] - values.last!) <= max(top.residuals[0], 1e-10 * abs(values.last!)),
                    "\(block.name): \(top.values[0]) vs \(values.last!) (residual \(top.residuals[0]))")
        }
    }

    // The block-restricted product skips what is zero below the block and what only reaches other
    // blocks; it must give the block's part of the whole product, on every block (including the
    // embeddings, which reach the output layer's weights, and ln_f, which no layer follows), for
    // products in any order through one workspace. Round-off apart: skipped terms are exact zeros, but
    // summation order may differ by a term.
    @Test func blockRestrictedProductIsTheDiagonalBlockOfTheWholeProduct() {
        let op = GPT2HessianOperator(parameters: parameters, batch: batch)
        for block in op.blocks {
            let restricted = BlockRestriction(op, block: block), reference = BlockRestriction(Padded(base: op), block: block)
            for seed in [1, 2] as [UInt64] {
                let x = SmallModels.normals(restricted.dimension, seed: seed &+ UInt64(block.range.lowerBound))
                let (fast, whole) = (restricted.apply(x), reference.apply(x))
                let difference = SmallModels.norm(zip(fast, whole).map { $0 - $1 })
                #expect(difference <= 1e-13 * SmallModels.norm(whole), "\(block.name): relative difference \(difference / SmallModels.norm(whole))")
            }
        }
    }

    // The output layer's curvature (M_n l̇nf in place of the two vocabulary-sized products and the
    // softmax tangent) gives the same block products on every block, the embeddings included (which do
    // not use it), and is formed only when the planned products repay it; each sequence's last row, which
    // has no target, has curvature 0. A different summation order:
    // agreement to 1e-12 relative, far above round-off (1e-15) and far below any wrong term.
    @Test func headCurvatureGivesTheSameBlockProducts() {
        let engine = GPT2Engine(model)
        let C = parameters.config.channels
        let direct = engine.linearise(batch, in: engine.makeLane(), plan: engine.blocks.map { _ in 0 })
        let curved = engine.linearise(batch, in: engine.makeLane(), plan: engine.blocks.map { _ in C })
        #expect(!direct.point.formedHeadCurvature && curved.point.formedHeadCurvature)
        // (C + 1) / 4 products on the blocks that use it are not enough; on the embeddings, none are.
        let blocksUsingIt = engine.blocks.count - 1
        #expect(!engine.linearise(batch, in: engine.makeLane(), plan: [10 * C] + Array(repeating: 0, count: blocksUsingIt)).point.formedHeadCurvature)
        #expect(!engine.linearise(batch, in: engine.makeLane(), plan: [0] + [(C + 1) / 4] + Array(repeating: 0, count: blocksUsingIt - 1))
            .point.formedHeadCurvature)
        for block in engine.blocks {
            for seed in [3, 4] as [UInt64] {
                let x = SmallModels.normals(block.range.count, seed: seed &+ UInt64(block.range.lowerBound))
                let (fast, reference) = (BlockRestriction(curved, block: block).apply(x), BlockRestriction(direct, block: block).apply(x))
                let difference = SmallModels.norm(zip(fast, reference).map { $0 - $1 })
                #expect(difference <= 1e-12 * SmallModels.norm(reference),
                        "\(block.name): relative difference \(difference / SmallModels.norm(reference))")
            }
        }
    }

    /// An operator's full product only, so that its block products are the protocol's padded default:
    /// (H [0; x; 0])_b.
    struct Padded<Base: SymmetricOperator>: SymmetricOperator {
        let base: Base
        var dimension: Int { base.dimension }
        func apply(_ x: UnsafeBufferPointer<Double>, into y: UnsafeMutableBufferPointer<Double>) { base.apply(x, into: y) }
    }

    /// The symmetric matrix of an operator, from its applications to the unit vectors, symmetrised
    /// (the two triangles agree to round-off: `hvpIsSymmetric`).
    static func denseMatrix<Op: SymmetricOperator>(_ op: Op) -> [Double] {
        let n = op.dimension
        var dense = [Double](repeating: 0, count: n * n)
        var e = [Double](repeating: 0, count: n)
        for j in 0..<n {
            e[j] = 1
            let column = op.apply(e)
            e[j] = 0
            for i in 0..<n { dense[i * n + j] = column[i] }
        }
        for i in 0..<n { for j in 0..<i { let m = (dense[i * n + j] + dense[j * n + i]) / 2; dense[i * n + j] = m; dense[j * n + i] = m } }
        return dense
    }
}
