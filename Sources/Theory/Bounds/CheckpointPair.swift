import _Files
import Hessian
import Models

/// A pretrained/fine-tuned checkpoint pair of one architecture and v = fine-tuned − pretrained,
/// the direction whose block quadratic forms v_bᵀ H_bb⁺ v_b enter Theorem 1.
public struct CheckpointPair: Sendable {
    public let pretrained: GPT2Parameters
    public let finetuned: GPT2Parameters
    /// v = fine-tuned − pretrained, in `GPT2Layout` order.
    public let direction: [Double]

    /// The pair of two checkpoints of one architecture (`load` checks that for files).
    public init(pretrained: GPT2Parameters, finetuned: GPT2Parameters) {
        precondition(pretrained.config == finetuned.config, "a checkpoint pair needs one architecture")
        (self.pretrained, self.finetuned) = (pretrained, finetuned)
        direction = zip(finetuned.values, pretrained.values).map { $0 - $1 }
    }

    /// The native engine on the fine-tuned weights (made anew: one per analysis).
    /// - Complexity: a Float64 copy of the weights.
    public func engine(concurrency: Int = 1) -> GPT2Engine { GPT2Engine(GPT2<Double>(finetuned), concurrency: concurrency) }

    /// Loads both directories; errors name the file and the first tensor that differs in shape.
    public static func load(pretrained: String, finetuned: String) throws(FileError) -> CheckpointPair {
        let p = try GPT2Parameters.load(directory: pretrained)
        let f = try GPT2Parameters.load(directory: finetuned)
        guard p.config == f.config else { throw architectureMismatch(finetuned: finetuned, f.config, pretrained: pretrained, p.config) }
        return CheckpointPair(pretrained: p, finetuned: f)
    }

    /// Reads `finetuned/config.json` (not the weights) and checks it is `config`, the architecture of
    /// `pretrained`: for lists of pairs checked before a long run, so a bad entry fails first.
    public static func checkArchitecture(of finetuned: String, is config: GPT2Config, pretrained: String) throws(FileError) {
        let listed = try GPT2Config.read(path: "\(finetuned)/config.json")
        guard listed == config else { throw architectureMismatch(finetuned: finetuned, listed, pretrained: pretrained, config) }
    }

    static func architectureMismatch(finetuned: String, _ f: GPT2Config, pretrained: String, _ p: GPT2Config) -> FileError {
        FileError("\(finetuned)/config.json", "the architecture differs from \(pretrained)/config.json: \(f) vs \(p)")
    }
}

/// The curvature of a fine-tuning step on one block b of a checkpoint pair.
public struct BlockCurvature: Sendable {
    public var block: ParameterBlock
    /// ‖v_b‖.
    public var directionNorm: Double
    /// v_bᵀ H_bb v_b, exact.
    public var raw: Double
    /// The Gauss–Lanczos estimate of v_bᵀ H_bb⁺ v_b and its certified interval.
    public var truncated: QuadraticForm
    /// The largest eigenvalues of H_bb with their residuals.
    public var top: Eigenpairs
    /// HVPs spent on this block.
    public var applications: Int

    /// Relative Ritz residual at which a top eigenvalue counts as converged: 1e-8 gives eigenvalues
    /// to about 1e-8 relative, beyond what a report prints, well before Lanczos loses orthogonality.
    public static let eigenvalueTolerance = 1e-8
    /// Steps between convergence checks of the eigenvalue run: each check is an O(k³) tridiagonal
    /// eigensolve, negligible against an HVP, but there is no need to do it every step.
    public static let convergenceCheckInterval = 5

    /// - Parameter restricted: H_bb, the Hessian's diagonal block on `block`, as an operator on its coordinates.
    /// - Parameter steps: Lanczos steps for the quadrature (it stops earlier on an invariant space).
    /// - Parameter eigenvalues: how many top eigenvalues, by Lanczos from a seeded start.
    /// - Complexity: about `steps` + the eigen-run's products of `restricted`.
    public static func analyse<Operator: SymmetricOperator>(_ restricted: Operator, block: ParameterBlock, direction v: [Double],
                                                            steps: Int, eigenvalues: Int, seed: UInt64) -> BlockCurvature {
        precondition(restricted.dimension == block.range.count, "an operator of the block's dimension")
        let vb = Array(v[block.range])
        let form = GaussQuadrature.quadraticForm(restricted, vector: vb, function: .positivePart, steps: min(steps, restricted.dimension))
        let top = ExtremeEigenpairs.compute(restricted, count: min(eigenvalues, restricted.dimension), tolerance: eigenvalueTolerance,
                                            maxSteps: min(steps, restricted.dimension), seed: seed, checkEvery: convergenceCheckInterval)
        return BlockCurvature(block: block, directionNorm: form.vectorNorm, raw: form.raw, truncated: form, top: top,
                              applications: form.applications + top.applications)
    }
}

/// What `lens hessian` reports about a checkpoint pair on a batch: the fine-tuned model's loss and
/// gradient there, and the curvature of the fine-tuning step on every block.
public struct PairCurvature: Sendable {
    /// The mean loss of the fine-tuned model on the batch.
    public var loss: Double
    public var sequences: Int
    public var sequenceLength: Int
    /// ‖∂L/∂θ‖ per tensor, by Hugging Face name.
    public var gradientNorms: [(name: String, norm: Double)]
    public var blocks: [BlockCurvature]

    /// - Complexity: a gradient, a linearisation, and per block about `steps` + the eigen-run's
    ///   block-restricted HVPs. `progress` is told (done, total) blocks.
    public static func analyse(_ pair: CheckpointPair, batch: TokenBatch, steps: Int, eigenvalues: Int, seed: UInt64,
                               progress: ((_ done: Int, _ total: Int) -> Void)? = nil) -> PairCurvature {
        let op = GPT2HessianOperator(parameters: pair.finetuned, batch: batch)
        let (loss, gradient) = op.model.gradient(batch)
        var blocks: [BlockCurvature] = []
        for block in op.blocks {
            blocks.append(BlockCurvature.analyse(BlockRestriction(op, block: block), block: block, direction: pair.direction,
                                                 steps: steps, eigenvalues: eigenvalues, seed: seed))
            progress?(blocks.count, op.blocks.count)
        }
        return PairCurvature(loss: loss.mean, sequences: batch.batch, sequenceLength: batch.length,
                             gradientNorms: pair.finetuned.tensorNorms(gradient), blocks: blocks)
    }
}
