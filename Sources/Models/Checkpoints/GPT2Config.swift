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
    public static func read(path: String) throws(FileError) -> GPT2Config {
        try decode(fileContents(path), path: path)
    }

    /// The bytes of a `config.json` (`read(path:)`); `path` names it in errors.
    public static func decode(_ data: Data, path: String) throws(FileError) -> GPT2Config {
        let object: Any
        switch JSON.parse(data) {
        case .success(let tree): object = tree
        case .failure(let failure): throw FileError(path, "not valid JSON (\(failure.reason))")
        }
        guard let json = object as? [String: Any] else { throw FileError(path, "expected a JSON object") }
        if let duplicate = JSONDuplicateKey.first(in: data) { throw FileError(path, "\(duplicate); give each key once") }
        /// A JSON value as the file spells it (true, not 1).
        func shown(_ key: String) -> String {
            guard let value = json[key] else { return "nothing" }
            if JSON.isBoolean(value) { return (value as? Bool) == true ? "true" : "false" }
            if value is String { return "\"\(value)\"" }
            return value is NSNull ? "null" : "\(value)"
        }
        /// A positive integer no larger than 2^31 (a JSON true is not 1; 1e300 is not a size).
        func int(_ key: String) throws(FileError) -> Int {
            guard let value = json[key], !JSON.isBoolean(value), let v = value as? Double, v == v.rounded(), v > 0, v <= Double(1 << 31) else {
                throw FileError(path, "\(key) must be a positive integer of at most 2^31 (found \(shown(key)))")
            }
            return Int(v)
        }
        /// A JSON true or false, `standard` when absent.
        func bool(_ key: String, standard: Bool) throws(FileError) -> Bool {
            guard let value = json[key] else { return standard }
            guard JSON.isBoolean(value), let b = value as? Bool else { throw FileError(path, "\(key) must be true or false (found \(shown(key)))") }
            return b
        }
        // The keys of Hugging Face's GPT2Config that change the model's function: honoured, or refused by name.
        if let type = json["model_type"] {
            guard (type as? String) == "gpt2" else {
                throw FileError(path, "model_type is \(shown("model_type")); lens's engine runs GPT-2 (\"gpt2\") checkpoints")
            }
        }
        let activation = json["activation_function"] as? String ?? "gelu_new"
        // gelu_pytorch_tanh is PyTorch's name for the same tanh approximation.
        guard activation == "gelu_new" || activation == "gelu_pytorch_tanh" else {
            throw FileError(path, "activation_function is \(shown("activation_function")); supported: \"gelu_new\" (or \"gelu_pytorch_tanh\", the same function)")
        }
        guard try bool("scale_attn_weights", standard: true) else {
            throw FileError(path, "scale_attn_weights is false (attention without the 1/sqrt(head size) scale) is not supported; GPT-2 scales")
        }
        for key in ["scale_attn_by_inverse_layer_idx", "add_cross_attention"] where try bool(key, standard: false) {
            throw FileError(path, "\(key) is true, which lens's GPT-2 engine does not implement")
        }
        var epsilon = 1e-5
        if let value = json["layer_norm_epsilon"] {
            guard !JSON.isBoolean(value), let e = value as? Double, e > 0, e.isFinite else {
                throw FileError(path, "layer_norm_epsilon must be a finite number > 0 (found \(shown("layer_norm_epsilon")))")
            }
            epsilon = e
        }
        if let inner = json["n_inner"], !(inner is NSNull) {
            throw FileError(path, "n_inner must be null (4 x n_embd)")
        }
        let config = GPT2Config(layers: try int("n_layer"), channels: try int("n_embd"), heads: try int("n_head"),
                                maxPositions: try int("n_positions"), vocabulary: try int("vocab_size"),
                                layerNormEpsilon: epsilon, tiedEmbeddings: try bool("tie_word_embeddings", standard: true))
        guard config.channels % config.heads == 0 else {
            throw FileError(path, "n_embd \(config.channels) is not a multiple of n_head \(config.heads)")
        }
        guard config.tiedEmbeddings else {
            throw FileError(path, "tie_word_embeddings must be true (GPT-2 ties lm_head to wte)")
        }
        guard let count = config.checkedParameterCount else {
            throw FileError(path, "the parameter count of this architecture overflows a 64-bit integer")
        }
        let bytes = Double(count) * Double(MemoryLayout<Double>.size), memory = Double(ProcessInfo.processInfo.physicalMemory)
        guard bytes < memory else {
            func gibibytes(_ b: Double) -> Double { (b / 1_073_741_824 * 10).rounded() / 10 }
            throw FileError(path, "the model's \(count) parameters need \(gibibytes(bytes)) GiB as Float64, more than this machine's \(gibibytes(memory)) GiB")
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
    /// About the bytes the engine holds to differentiate this model twice on `sequences` sequences of
    /// `length` tokens in Float64: four parameter-sized vectors (weights, gradient, tangent, AdamW's or
    /// Lanczos's), the linearisation and the HVP workspace (`GPT2Linearisation.memoryBytes`,
    /// `GPT2HVPWorkspace.memoryBytes`), in floating point so that absurd sizes do not overflow.
    public func estimatedBytes(sequences: Int, length: Int) -> Double {
        let (B, T, C, NH, V, L) = (Double(sequences), Double(length), Double(channels), Double(heads), Double(vocabulary), Double(layers))
        let N = B * T
        let parameters = V * C + Double(maxPositions) * C + L * (12 * C * C + 13 * C) + 2 * C
        let linearisation = L * (38 * N * C + 4 * N + B * NH * T * T) + 4 * N * C + 3 * N + N * V + T * T
        let workspace = L * (20 * N * C + 2 * N + B * NH * T * T) + 21 * N * C + N + N * V + 2 * T * T
        return 8 * (4 * parameters + linearisation + workspace)
    }
}
