import _Files
import Foundation

/// Token data for the model, in one of two layouts:
/// - JSON: an object of named batches, each an array of equal-length token-id sequences (the
///   fixture's `tokens.json`: {"train": [[…], …], "test": […]});
/// - binary: a flat file of little-endian uint16 token ids (llm.c's layout without its header), cut
///   into sequences of a given context length.
public enum TokenFile {
    /// Reads a flat little-endian uint16 file as sequences of `context` tokens; a trailing remainder
    /// shorter than `context` is an error, so no token is dropped silently.
    public static func readBinary(path: String, context: Int, vocabulary: Int) throws(FileError) -> TokenBatch {
        try decodeBinary(fileContents(path, mapped: true), path: path, context: context, vocabulary: vocabulary)
    }

    /// The bytes of a flat uint16 token file (`readBinary`); `path` names it in errors.
    public static func decodeBinary(_ data: Data, path: String, context: Int, vocabulary: Int) throws(FileError) -> TokenBatch {
        guard context >= 2 else { throw FileError(path, "the context length must be at least 2") }
        guard data.count % 2 == 0 else { throw FileError(path, "\(data.count) bytes: not a whole number of uint16 tokens") }
        let count = data.count / 2
        guard count >= context, count % context == 0 else {
            throw FileError(path, "\(count) tokens do not split into sequences of \(context)")
        }
        // Straight into the batch's Int32 tokens: 4 bytes per token beside the file's 2.
        let ids = data.withUnsafeBytes { raw in
            [Int32](unsafeUninitializedCapacity: count) { buffer, initialized in
                for i in 0..<count { buffer[i] = Int32(UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))) }
                initialized = count
            }
        }
        if let i = ids.firstIndex(where: { Int($0) >= vocabulary }) {
            throw FileError(path, "token \(i) is \(ids[i]), not below the vocabulary size \(vocabulary)")
        }
        return TokenBatch(flat: ids, length: context)
    }

    /// Writes sequences as a flat little-endian uint16 file.
    public static func writeBinary(_ batch: TokenBatch, path: String) throws {
        var data = Data(capacity: 2 * batch.tokens.count)
        for t in batch.tokens { withUnsafeBytes(of: UInt16(t).littleEndian) { data.append(contentsOf: $0) } }
        try data.write(to: URL(fileURLWithPath: path))
    }

    /// Reads either layout: the flat uint16 file cut into sequences of `context` tokens when a context
    /// is given, else the `split` batch of a JSON file.
    public static func read(path: String, split: String, context: Int?, vocabulary: Int) throws(FileError) -> TokenBatch {
        if let context { return try readBinary(path: path, context: context, vocabulary: vocabulary) }
        return try read(path: path, split: split, vocabulary: vocabulary)
    }

    /// Reads a batch for a model (`read(path:split:context:vocabulary:)`), checked against it: ids below
    /// its vocabulary, sequences no longer than its context (`ModelDescription.check`).
    public static func read(path: String, split: String, context: Int? = nil, for model: ModelDescription) throws(FileError) -> TokenBatch {
        let batch = try read(path: path, split: split, context: context, vocabulary: model.vocabulary)
        try model.check(batch, source: path)
        return batch
    }

    /// Writes named batches as a JSON tokens file (the fixture's `tokens.json` layout), whole or not at all,
    /// led by `"lens": "tokens"` (sorted first), which readers skip and `isWrittenByLens` recognises.
    public static func writeJSON(_ splits: [String: TokenBatch], path: String) throws {
        var json: [String: Any] = splits.mapValues { $0.sequences }
        json[signatureKey] = "tokens"
        try AtomicFile.write(JSON.data(json, pretty: false), to: path)
    }

    static let signatureKey = "lens"

    /// Whether `data` is a token file `writeJSON` wrote (so that lens may replace it).
    public static func isWrittenByLens(_ data: Data) -> Bool {
        data.starts(with: Data("{\"\(signatureKey)\":\"tokens\"".utf8))
    }

    /// Reads the `split` batch of a JSON tokens file.
    public static func read(path: String, split: String, vocabulary: Int) throws(FileError) -> TokenBatch {
        try decodeJSON(fileContents(path, mapped: true), path: path, split: split, vocabulary: vocabulary)
    }

    /// The bytes of a JSON tokens file (`read(path:split:vocabulary:)`); `path` names it in errors.
    public static func decodeJSON(_ data: Data, path: String, split: String, vocabulary: Int) throws(FileError) -> TokenBatch {
        do {
            return try data.withUnsafeBytes { (bytes: UnsafeRawBufferPointer) throws(FileError) -> TokenBatch in
                try TokenJSONReader.read(bytes, path: path, split: split, vocabulary: vocabulary)
            }
        } catch let error as FileError {
            throw error
        } catch {
            throw FileError(path, "\(error)")
        }
    }
}
