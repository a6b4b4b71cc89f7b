import Hessian

/// A pretrained/fine-tuned checkpoint pair of one architecture and v = fine-tuned − pretrained,
/// the direction whose block quadratic forms v_bᵀ H_bb⁺ v_b enter Theorem 1.
public struct CheckpointPair: Sendable {
    public let pretrained: GPT2Parameters
    public let finetuned: GPT2Parameters
    public let direction: [Double]

    /// Loads both directories; errors name the file and the first tensor that differs in shape.
    public static func load(pretrained: String, finetuned: String) throws(ModelFileError) -> CheckpointPair {
        let p = try GPT2Parameters.load(directory: pretrained)
        let f = try GPT2Parameters.load(directory: finetuned)
        guard p.config == f.config else {
            throw ModelFileError("\(finetuned)/config.json", "the architecture differs from \(pretrained)/config.json: \(f.config) vs \(p.config)")
        }
        return CheckpointPair(pretrained: p, finetuned: f, direction: zip(f.values, p.values).map { $0 - $1 })
    }
}

/// What `lens hessian` reports for one block b of a checkpoint pair.
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

    /// - Parameter steps: Lanczos steps for the quadrature (it stops earlier on an invariant space).
    /// - Parameter eigenvalues: how many top eigenvalues, by Lanczos from a seeded start.
    /// - Complexity: about `steps` + the eigen-run's HVPs.
    public static func analyse<Operator: SymmetricOperator>(_ op: Operator, block: ParameterBlock, direction v: [Double],
                                                            steps: Int, eigenvalues: Int, seed: UInt64) -> BlockCurvature {
        let restricted = BlockRestriction(op, block: block)
        let vb = Array(v[block.range])
        let norm = vb.reduce(0) { $0 + $1 * $1 }.squareRoot()
        let form = GaussQuadrature.quadraticForm(restricted, vector: vb, function: .positivePart, steps: min(steps, restricted.dimension))
        let top = ExtremeEigenpairs.compute(restricted, count: min(eigenvalues, restricted.dimension), tolerance: 1e-8,
                                            maxSteps: min(steps, restricted.dimension), seed: seed, checkEvery: 5)
        return BlockCurvature(block: block, directionNorm: norm, raw: form.raw, truncated: form, top: top,
                              applications: form.applications + top.applications)
    }
}
