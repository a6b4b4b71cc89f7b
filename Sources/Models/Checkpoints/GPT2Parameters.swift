import LinearAlgebra

/// All parameters of a GPT-2 model in one flat Float64 buffer in `GPT2Layout` order, so that a
/// parameter vector, a gradient, a direction v and an HVP share one layout and each block of
/// Theorem 1 is a contiguous range.
public struct GPT2Parameters: Sendable {
    public let config: GPT2Config
    public let layout: GPT2Layout
    public var values: [Double]

    /// Zeros, or the given values (which must number `GPT2Layout(config).count`).
    public init(config: GPT2Config, values: [Double]? = nil) {
        self.config = config
        layout = GPT2Layout(config)
        self.values = values ?? [Double](repeating: 0, count: layout.count)
        precondition(self.values.count == layout.count, "expected \(layout.count) parameters")
    }

    public var count: Int { values.count }

    /// How a tensor starts out (`randomInitialization`).
    enum InitialValue {
        /// Weights: N(0, σ²).
        case normal(standardDeviation: Double)
        /// Layer-norm gains.
        case one
        /// Biases.
        case zero
    }

    /// GPT-2's initialisation (Radford et al. 2019, as Hugging Face's `_init_weights` does it),
    /// seeded: weights and embeddings N(0, 0.02²), the projections into the residual stream
    /// (`attn.c_proj`, `mlp.c_proj`) N(0, (0.02/√(2L))²) so that the residual's variance does not grow
    /// with depth, biases 0, layer-norm gains 1. Draws in flat order.
    public static func randomInitialization(config: GPT2Config, seed: UInt64) -> GPT2Parameters {
        let sigma = 0.02
        let projection = InitialValue.normal(standardDeviation: sigma / (2 * Double(config.layers)).squareRoot())
        let layer = GPT2LayerTensors<InitialValue>(
            ln1w: .one, ln1b: .zero, qkvw: .normal(standardDeviation: sigma), qkvb: .zero, attprojw: projection, attprojb: .zero,
            ln2w: .one, ln2b: .zero, fcw: .normal(standardDeviation: sigma), fcb: .zero, fcprojw: projection, fcprojb: .zero)
        let plan = GPT2Tensors<InitialValue>(wte: .normal(standardDeviation: sigma), wpe: .normal(standardDeviation: sigma),
                                             layers: Array(repeating: layer, count: config.layers), lnfw: .one, lnfb: .zero)
        var rng = SeededGenerator(seed: seed)
        var parameters = GPT2Parameters(config: config)
        for (range, initial) in zip(parameters.layout.ranges.flat, plan.flat) {
            for i in range {
                switch initial {
                case .normal(let s): parameters.values[i] = s * rng.normal()
                case .one: parameters.values[i] = 1
                case .zero: parameters.values[i] = 0
                }
            }
        }
        return parameters
    }

    /// The Euclidean norm of each tensor's slice of `vector` (a gradient, a direction), by name.
    /// - Complexity: O(parameters).
    public func tensorNorms(_ vector: [Double]) -> [(name: String, norm: Double)] {
        precondition(vector.count == count, "a vector of \(vector.count) entries for \(count) parameters")
        return vector.withUnsafeBufferPointer { v in
            tensors.map { ($0.name, BLAS.norm(UnsafeBufferPointer(rebasing: v[$0.range]))) }
        }
    }
}
