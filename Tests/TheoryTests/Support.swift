import Foundation
import LinearAlgebra
import Models
@_exported import TestSupport

/// Seeded small GPT-2 pairs for the tests that need no reference data.
enum SmallModels {
    /// 2 layers, width 8, 2 heads, context 6, vocabulary 16: blocks of 176, 872, 872 and 16 parameters.
    static let config = GPT2Config(layers: 2, channels: 8, heads: 2, maxPositions: 6, vocabulary: 16)

    /// GPT-2's initialisation moved by N(0, 0.1²) in every parameter.
    static func parameters(seed: UInt64, config: GPT2Config = config) -> GPT2Parameters {
        var parameters = GPT2Parameters.randomInitialization(config: config, seed: seed)
        var rng = SeededGenerator(seed: seed &+ 1)
        for i in parameters.values.indices { parameters.values[i] += 0.1 * rng.normal() }
        return parameters
    }

    static func batch(_ count: Int, seed: UInt64) -> TokenBatch {
        SyntheticCorpus(vocabulary: config.vocabulary, seed: seed).sample(.target, count: count, length: config.maxPositions, streamSeed: seed)
    }

    static func temporaryDirectory() -> String {
        let path = NSTemporaryDirectory() + "lens-theory-\(UUID().uuidString)"
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }
}
