import Foundation
import Models
import Testing
@testable import Theory

/// The demo's cache of pretrained checkpoints (issue 19, class 3): used only while the weights are the
/// ones its stamp was written for.
struct TransferDemoTests {
    @Test func aCachedCheckpointWhoseWeightsWereReplacedIsNotUsed() throws {
        var demo = TransferDemo.standard(quick: true, seed: 1)
        demo.pretrainingSteps = 2
        let candidate = demo.candidates[0]
        let dir = NSTemporaryDirectory() + "lens-cache-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (trained, fresh) = try demo.pretrained(candidate, cache: dir + "/pretrained")
        let (reused, cached) = try demo.pretrained(candidate, cache: dir + "/pretrained")
        #expect(!fresh && cached && reused.values == trained.values)

        // Another checkpoint of the same architecture copied over the cached weights, as `cp` would.
        try GPT2Parameters.randomInitialization(config: candidate.config, seed: 99).save(directory: dir + "/other")
        try FileManager.default.removeItem(atPath: dir + "/pretrained/model.safetensors")
        try FileManager.default.copyItem(atPath: dir + "/other/model.safetensors", toPath: dir + "/pretrained/model.safetensors")
        let (retrained, fromCache) = try demo.pretrained(candidate, cache: dir + "/pretrained")
        #expect(!fromCache && retrained.values == trained.values, "the replaced weights are not taken for the seeded run's")
    }
}
