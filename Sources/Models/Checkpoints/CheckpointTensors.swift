import _Files
import Foundation

/// The tensors of a Hugging Face checkpoint folder, stored whole (`model.safetensors`) or sharded as
/// `save_pretrained(max_shard_size=...)` writes large models: `model.safetensors.index.json`, whose
/// `weight_map` names the shard (`model-0000k-of-0000N.safetensors`) that holds each tensor.
///
/// Reading checks the index before any tensor is read: it is a JSON object with a `weight_map` of
/// tensor names to shard file names inside the folder; every shard it names is a valid safetensors file
/// (`SafeTensorsFile`) that holds each tensor mapped to it; a tensor stored in a shard the map does not
/// send it to is refused, as is a tensor stored twice. A folder with both forms is refused (which one
/// `save_pretrained` wrote last is not knowable).
public struct CheckpointTensors: Sendable {
    /// The folder, and the files read (one, or the shards in name order).
    public let directory: String
    public let files: [SafeTensorsFile]
    /// Every tensor, with the index of the file that holds it, in file then offset order.
    public let entries: [(entry: SafeTensorsEntry, file: Int)]

    /// The file name of an unsharded checkpoint's tensors, and of a sharded one's index.
    public static let whole = "model.safetensors", index = "model.safetensors.index.json"

    /// - Parameter maximumEntries: the most tensors expected in all (each file is refused past it).
    /// - Throws: `FileError` naming the file (and the tensor) at fault.
    public init(directory: String, maximumEntries: Int? = nil) throws(FileError) {
        self.directory = directory
        let wholePath = "\(directory)/\(Self.whole)", indexPath = "\(directory)/\(Self.index)"
        let hasWhole = FileManager.default.fileExists(atPath: wholePath), hasIndex = FileManager.default.fileExists(atPath: indexPath)
        if hasWhole && hasIndex {
            throw FileError(directory, "holds both \(Self.whole) and \(Self.index); keep the one save_pretrained wrote last")
        }
        guard hasIndex else {
            let file = try SafeTensorsFile(path: wholePath, maximumEntries: maximumEntries)
            (files, entries) = ([file], file.entries.map { ($0, 0) })
            return
        }
        let map = try Self.weightMap(indexPath)
        let shardNames = Set(map.values).sorted()
        var files: [SafeTensorsFile] = [], entries: [(entry: SafeTensorsEntry, file: Int)] = [], seen: Set<String> = []
        for (i, shard) in shardNames.enumerated() {
            let file = try SafeTensorsFile(path: "\(directory)/\(shard)", maximumEntries: maximumEntries)
            for entry in file.entries {
                guard let mapped = map[entry.name] else {
                    throw FileError(file.path, tensor: entry.name, "is stored here but \(Self.index) does not list it")
                }
                guard mapped == shard else {
                    throw FileError(file.path, tensor: entry.name, "is stored here but \(Self.index) maps it to \(mapped)")
                }
                guard seen.insert(entry.name).inserted else { throw FileError(file.path, tensor: entry.name, "is stored in two shards") }
                entries.append((entry, i))
            }
            files.append(file)
        }
        if let missing = map.keys.sorted().first(where: { !seen.contains($0) }) {
            throw FileError("\(directory)/\(map[missing]!)", tensor: missing, "is missing, though \(Self.index) maps it to this shard")
        }
        if let maximumEntries, entries.count > maximumEntries {
            throw FileError(indexPath, "the shards hold \(entries.count) tensors; at most \(maximumEntries) are expected here")
        }
        (self.files, self.entries) = (files, entries)
    }

    /// The index's `weight_map`: tensor name -> shard file name (a plain name inside the folder).
    static func weightMap(_ path: String) throws(FileError) -> [String: String] {
        let data = try fileContents(path)
        guard case .success(let tree) = JSON.parse(data), let object = tree as? [String: Any] else {
            throw FileError(path, "is not a JSON object (transformers writes {\"metadata\": ..., \"weight_map\": {tensor: shard}})")
        }
        guard let raw = object["weight_map"] as? [String: Any], !raw.isEmpty else {
            throw FileError(path, "has no weight_map of tensor names to shard files")
        }
        var map: [String: String] = [:]
        for (name, value) in raw {
            guard let shard = value as? String, !shard.isEmpty, !shard.contains("/"), shard != "..", shard != "." else {
                throw FileError(path, tensor: name, "weight_map must name a shard file in the checkpoint's folder (got \(value))")
            }
            map[name] = shard
        }
        return map
    }

    /// transformers' name for shard k of n: `model-0000k-of-0000n.safetensors` (five digits each).
    public static func shardName(_ k: Int, of n: Int) -> String {
        func padded(_ i: Int) -> String { String(repeating: "0", count: max(0, 5 - String(i).count)) + String(i) }
        return "model-\(padded(k))-of-\(padded(n)).safetensors"
    }

    /// The path of file `index` of `files` (an entry's `file`), for messages.
    public func path(of index: Int) -> String { files[index].path }

    /// A tensor's values as Float64 (`SafeTensorsFile.values`).
    public func values(_ item: (entry: SafeTensorsEntry, file: Int)) -> [Double] { files[item.file].values(item.entry) }
}
