import _Files
import Foundation
import Models
import TestSupport
import Testing

/// Issue 24, item 7: checkpoints saved in shards (`model-0000k-of-0000N.safetensors` with
/// `model.safetensors.index.json`, as `save_pretrained(max_shard_size=...)` writes large models) read as the
/// same checkpoint saved whole, and a broken index is a clear error naming the file and the tensor.
struct ShardedCheckpointTests {
    static func folders() throws -> (whole: String, sharded: String, parameters: GPT2Parameters) {
        let root = SmallModels.temporaryDirectory()
        let parameters = SmallModels.parameters(seed: 7)
        try parameters.save(directory: root + "/whole", dtype: .f64)
        // 600 bytes of tensor data a shard: the 2-layer model's 29 tensors spread over several.
        try parameters.save(directory: root + "/sharded", dtype: .f64, maximumShardBytes: 600)
        return (root + "/whole", root + "/sharded", parameters)
    }

    @Test func aShardedCheckpointReadsAsTheWholeOne() throws {
        let (whole, sharded, parameters) = try Self.folders()
        let names = try FileManager.default.contentsOfDirectory(atPath: sharded).sorted()
        let shards = names.filter { $0.hasPrefix("model-") }
        #expect(shards.count > 2 && shards == (1...shards.count).map { CheckpointTensors.shardName($0, of: shards.count) })
        #expect(CheckpointTensors.shardName(3, of: 12) == "model-00003-of-00012.safetensors")
        #expect(names.contains(CheckpointTensors.index) && !names.contains(CheckpointTensors.whole))
        let (a, b) = (try GPT2Parameters.load(directory: whole), try GPT2Parameters.load(directory: sharded))
        #expect(a.values == parameters.values && b.values == parameters.values && a.config == b.config)
        let stored = try CheckpointTensors(directory: sharded)
        #expect(stored.files.count == shards.count && stored.entries.count == parameters.tensors.count)
    }

    @Test func brokenIndexesNameTheFileAndTheTensor() throws {
        let (_, sharded, _) = try Self.folders()
        let indexPath = sharded + "/" + CheckpointTensors.index
        let index = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: indexPath))) as? [String: Any])
        let map = try #require(index["weight_map"] as? [String: String])
        func rewrite(_ edit: (inout [String: String]) -> Void) throws {
            var m = map
            edit(&m)
            try JSON.data(["metadata": index["metadata"]!, "weight_map": m] as [String: Any]).write(to: URL(fileURLWithPath: indexPath))
        }
        // A tensor sent to the wrong shard (from one that holds others, so that it is still read).
        let shards = Set(map.values).sorted()
        let first = try #require(shards.first { shard in map.values.filter { $0 == shard }.count > 1 })
        let second = shards.first { $0 != first }!
        let moved = map.filter { $0.value == first }.keys.sorted()[0]
        try rewrite { $0[moved] = second }
        let wrong = #expect(throws: FileError.self) { try GPT2Parameters.load(directory: sharded) }
        #expect(wrong?.description == "\(sharded)/\(first): tensor \(moved): is stored here but \(CheckpointTensors.index) maps it to \(second)")
        // A shard that is not there.
        try rewrite { _ in }
        try FileManager.default.moveItem(atPath: "\(sharded)/\(second)", toPath: "\(sharded)/elsewhere")
        let absent = #expect(throws: FileError.self) { try GPT2Parameters.load(directory: sharded) }
        #expect(absent?.file == "\(sharded)/\(second)", "\(String(describing: absent))")
        try FileManager.default.moveItem(atPath: "\(sharded)/elsewhere", toPath: "\(sharded)/\(second)")
        // A shard outside the folder, and a map that is not one.
        try rewrite { $0[moved] = "../elsewhere.safetensors" }
        let outside = #expect(throws: FileError.self) { try GPT2Parameters.load(directory: sharded) }
        #expect(outside?.description.contains("weight_map must name a shard file in the checkpoint's folder") == true)
        try Data("[1, 2]".utf8).write(to: URL(fileURLWithPath: indexPath))
        let notJSON = #expect(throws: FileError.self) { try GPT2Parameters.load(directory: sharded) }
        #expect(notJSON?.file == indexPath)
        // Both forms at once.
        try rewrite { _ in }
        try Data().write(to: URL(fileURLWithPath: sharded + "/" + CheckpointTensors.whole))
        let both = #expect(throws: FileError.self) { try GPT2Parameters.load(directory: sharded) }
        #expect(both?.description == "\(sharded): holds both \(CheckpointTensors.whole) and \(CheckpointTensors.index); keep the one save_pretrained wrote last")
    }
}
