import LinearAlgebra
import Models

/// Seeded small GPT-2s and batches for the tests that need no reference data.
enum TestModels {
    /// 2 layers, width 8, 2 heads, context 6, vocabulary 16: 1,936 parameters, small enough for
    /// exhaustive finite differences and dense Hessians, with every kind of tensor and two of each layer.
    static let config = GPT2Config(layers: 2, channels: 8, heads: 2, maxPositions: 6, vocabulary: 16)

    /// GPT-2's initialisation with every parameter then moved by N(0, 0.1²): gains, biases and
    /// embeddings all generic (the initialisation's zero biases and unit gains would hide terms of the
    /// derivatives that vanish there), and logits large enough that the softmax is not uniform.
    static func parameters(seed: UInt64) -> GPT2Parameters {
        var parameters = GPT2Parameters.randomInitialization(config: config, seed: seed)
        var rng = SeededGenerator(seed: seed &+ 1)
        for i in parameters.values.indices { parameters.values[i] += 0.1 * rng.normal() }
        return parameters
    }

    /// Three sequences of the full context from a synthetic target task.
    static func batch(seed: UInt64) -> TokenBatch {
        SyntheticCorpus(vocabulary: config.vocabulary, seed: seed).sample(.target, count: 3, length: config.maxPositions, streamSeed: seed)
    }

    static func normals(_ count: Int, seed: UInt64) -> [Double] {
        var rng = SeededGenerator(seed: seed)
        return (0..<count).map { _ in rng.normal() }
    }

    static func dot(_ a: [Double], _ b: [Double]) -> Double { zip(a, b).reduce(0) { $0 + $1.0 * $1.1 } }
    static func norm(_ a: [Double]) -> Double { dot(a, a).squareRoot() }
}
