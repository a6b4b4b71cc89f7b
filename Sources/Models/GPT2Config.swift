import _Files
import Foundation

/// The architecture of a GPT-2-family checkpoint (GPT-2, LaMini-GPT, Cerebras-GPT), from the
/// Hugging Face `config.json`.
public struct GPT2Config: Sendable, Equatable {
    public var layers: Int          // n_layer
    public var channels: Int        // n_embd, C
    public var heads: Int           // n_head, NH
    public var maxPositions: Int    // n_positions
    public var vocabulary: Int      // vocab_size, V
    public var layerNormEpsilon: Double
    public var tiedEmbeddings: Bool

    public init(layers: Int, channels: Int, heads: Int, maxPositions: Int, vocabulary: Int,
                layerNormEpsilon: Double = 1e-5, tiedEmbeddings: Bool = true) {
        (self.layers, self.channels, self.heads, self.maxPositions, self.vocabulary) = (layers, channels, heads, maxPositions, vocabulary)
        (self.layerNormEpsilon, self.tiedEmbeddings) = (layerNormEpsilon, tiedEmbeddings)
    }

    /// Reads `config.json`; errors name the file and the key.
    public static func read(path: String) throws(ModelFileError) -> GPT2Config {
        try decode(fileContents(path), path: path)
    }

    /// The bytes of a `config.json` (`read(path:)`); `path` names it in errors.
    public static func decode(_ data: Data, path: String) throws(ModelFileError) -> GPT2Config {
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: data)
        } catch {
            throw ModelFileError(path, "not valid JSON (\(jsonReason(error)))")
        }
        guard let json = object as? [String: Any] else { throw ModelFileError(path, "expected a JSON object") }
        /// A positive integer no larger than 2^31 (a JSON true is not 1; 1e300 is not a size).
        func int(_ key: String) throws(ModelFileError) -> Int {
            guard let value = json[key], !isJSONBoolean(value), let v = value as? Double, v == v.rounded(), v > 0, v <= Double(1 << 31) else {
                throw ModelFileError(path, "\(key) must be a positive integer of at most 2^31 (found \(json[key].map { "\($0)" } ?? "nothing"))")
            }
            return Int(v)
        }
        let activation = json["activation_function"] as? String ?? "gelu_new"
        guard activation == "gelu_new" else {
            throw ModelFileError(path, "activation_function \(activation) is not supported (gelu_new is)")
        }
        if let inner = json["n_inner"], !(inner is NSNull) {
            throw ModelFileError(path, "n_inner must be null (4 x n_embd)")
        }
        let config = GPT2Config(layers: try int("n_layer"), channels: try int("n_embd"), heads: try int("n_head"),
                                maxPositions: try int("n_positions"), vocabulary: try int("vocab_size"),
                                layerNormEpsilon: json["layer_norm_epsilon"] as? Double ?? 1e-5,
                                tiedEmbeddings: json["tie_word_embeddings"] as? Bool ?? true)
        guard config.channels % config.heads == 0 else {
            throw ModelFileError(path, "n_embd \(config.channels) is not a multiple of n_head \(config.heads)")
        }
        guard config.tiedEmbeddings else {
            throw ModelFileError(path, "tie_word_embeddings must be true (GPT-2 ties lm_head to wte)")
        }
        guard let count = config.checkedParameterCount else {
            throw ModelFileError(path, "the parameter count of this architecture overflows a 64-bit integer")
        }
        let bytes = Double(count) * Double(MemoryLayout<Double>.size), memory = Double(ProcessInfo.processInfo.physicalMemory)
        guard bytes < memory else {
            throw ModelFileError(path, String(format: "the model's %d parameters need %.1f GiB as Float64, more than this machine's %.1f GiB",
                                              count, bytes / 1_073_741_824, memory / 1_073_741_824))
        }
        return config
    }

    /// The number of parameters, or nil when it overflows Int: wte V C, wpe P C, per layer 12 C² + 13 C,
    /// and the final LayerNorm's 2 C.
    public var checkedParameterCount: Int? {
        func mul(_ a: Int, _ b: Int) -> Int? { let r = a.multipliedReportingOverflow(by: b); return r.overflow ? nil : r.partialValue }
        func add(_ a: Int, _ b: Int) -> Int? { let r = a.addingReportingOverflow(b); return r.overflow ? nil : r.partialValue }
        let c = channels
        guard let wte = mul(vocabulary, c), let wpe = mul(maxPositions, c), let c2 = mul(c, c), let twelve = mul(12, c2),
              let perLayer = add(twelve, 13 * c), let all = mul(layers, perLayer),
              let a = add(wte, wpe), let b = add(a, all), let total = add(b, 2 * c) else { return nil }
        return total
    }
}

extension GPT2Config {
    /// Checks that a batch read from `source` fits the model: its sequences are no longer than
    /// n_positions. (Token ids are checked against the vocabulary as they are read.)
    public func check(_ batch: TokenBatch, source: String) throws(ModelFileError) {
        guard batch.length <= maxPositions else {
            throw ModelFileError(source, "sequences of \(batch.length) tokens are longer than the model's n_positions \(maxPositions)")
        }
    }
}
