import Foundation
import LinearAlgebra
import Models

/// Seeded small GPT-2s and batches for the tests that need no reference data.
public enum SmallModels {
    /// 2 layers, width 8, 2 heads, context 6, vocabulary 16: 1,936 parameters in blocks of 176, 872, 872 and
    /// 16, small enough for exhaustive finite differences and dense Hessians, with every kind of tensor and
    /// two of each layer.
    public static let config = GPT2Config(layers: 2, channels: 8, heads: 2, maxPositions: 6, vocabulary: 16)

    /// GPT-2's initialisation with every parameter then moved by N(0, 0.1²): gains, biases and embeddings
    /// all generic (the initialisation's zero biases and unit gains would hide terms of the derivatives that
    /// vanish there), and logits large enough that the softmax is not uniform.
    public static func parameters(seed: UInt64, config: GPT2Config = config) -> GPT2Parameters {
        var parameters = GPT2Parameters.randomInitialization(config: config, seed: seed)
        var rng = SeededGenerator(seed: seed &+ 1)
        for i in parameters.values.indices { parameters.values[i] += 0.1 * rng.normal() }
        return parameters
    }

    /// `count` sequences of the full context from a synthetic target task.
    public static func batch(_ count: Int = 3, seed: UInt64) -> TokenBatch {
        SyntheticCorpus(vocabulary: config.vocabulary, seed: seed).sample(.target, count: count, length: config.maxPositions, streamSeed: seed)
    }

    public static func normals(_ count: Int, seed: UInt64) -> [Double] {
        var rng = SeededGenerator(seed: seed)
        return (0..<count).map { _ in rng.normal() }
    }

    public static func dot(_ a: [Double], _ b: [Double]) -> Double { zip(a, b).reduce(0) { $0 + $1.0 * $1.1 } }
    public static func norm(_ a: [Double]) -> Double { dot(a, a).squareRoot() }

    /// A fresh directory under the system's temporary directory.
    public static func temporaryDirectory() -> String {
        let path = NSTemporaryDirectory() + "lens-test-\(UUID().uuidString)"
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }
}
