import _Files
import Foundation

/// Hugging Face checkpoint directories (`config.json` + `model.safetensors`, or its shards), the one place the
/// toolkit names GPT-2's tensors: the names exist at the file boundary, everything inside reads
/// `GPT2Layout`'s typed fields.
extension GPT2Tensors where T == String {
    /// Hugging Face's tensor names, without the `transformer.` prefix.
    static func huggingFaceNames(layers: Int) -> GPT2Tensors<String> {
        GPT2Tensors(wte: "wte.weight", wpe: "wpe.weight", layers: (0..<layers).map { l in
            let h = "h.\(l)"
            return GPT2LayerTensors(
                ln1w: "\(h).ln_1.weight", ln1b: "\(h).ln_1.bias", qkvw: "\(h).attn.c_attn.weight", qkvb: "\(h).attn.c_attn.bias",
                attprojw: "\(h).attn.c_proj.weight", attprojb: "\(h).attn.c_proj.bias", ln2w: "\(h).ln_2.weight", ln2b: "\(h).ln_2.bias",
                fcw: "\(h).mlp.c_fc.weight", fcb: "\(h).mlp.c_fc.bias", fcprojw: "\(h).mlp.c_proj.weight", fcprojb: "\(h).mlp.c_proj.bias")
        }, lnfw: "ln_f.weight", lnfb: "ln_f.bias")
    }
}

extension GPT2Parameters {
    /// Every tensor in flat order with its Hugging Face name (no `transformer.` prefix), range and
    /// shape: for reading and writing checkpoints and for reports that compare with PyTorch.
    public var tensors: [(name: String, range: Range<Int>, shape: [Int])] {
        let names = GPT2Tensors.huggingFaceNames(layers: config.layers).flat
        return zip(names, zip(layout.ranges.flat, config.shapes.flat)).map { ($0, $1.0, $1.1) }
    }

    /// Loads a Hugging Face checkpoint directory (`config.json` + `model.safetensors`, or the shards of
    /// `model.safetensors.index.json`: `CheckpointTensors`). Tensor names may carry the `transformer.` prefix
    /// or not; `attn.bias` / `attn.masked_bias` buffers of older checkpoints are ignored; `lm_head.weight`, if
    /// stored, must equal `wte.weight` (tied).
    public static func load(directory: String) throws(FileError) -> GPT2Parameters {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), !isDirectory.boolValue {
            throw FileError(directory, "is a file; give the checkpoint's directory (config.json + model.safetensors or its shards)")
        }
        let config = try GPT2Config.read(path: "\(directory)/config.json")
        // A GPT-2 stores 12 tensors a layer, 2 attention buffers a layer in older files, wte, wpe, ln_f and a tied lm_head.
        let stored = try CheckpointTensors(directory: directory, maximumEntries: 14 * config.layers + 5)
        var byName: [String: (entry: SafeTensorsEntry, file: Int)] = [:]
        for item in stored.entries {
            let entry = item.entry
            let name = entry.name.hasPrefix("transformer.") ? String(entry.name.dropFirst("transformer.".count)) : entry.name
            if name.hasSuffix(".attn.bias") || name.hasSuffix(".attn.masked_bias") { continue }
            if byName[name] != nil { throw FileError(stored.path(of: item.file), tensor: entry.name, "appears with and without the transformer. prefix") }
            byName[name] = item
        }
        // Validate every tensor's presence and shape before allocating the parameters, layer by layer
        // (no table of names the size of a hostile n_layer is built).
        var single = config
        single.layers = 1
        let shapes = single.shapes, names = GPT2Tensors.huggingFaceNames(layers: 1)
        func expect(_ name: String, _ shape: [Int]) throws(FileError) {
            guard let item = byName[name] else {
                throw FileError(stored.files.count == 1 ? stored.path(of: 0) : "\(directory)/\(CheckpointTensors.index)", tensor: name,
                                "missing (expected shape \(shape))")
            }
            guard item.entry.shape == shape else {
                throw FileError(stored.path(of: item.file), tensor: item.entry.name, "shape \(item.entry.shape) does not match the config's \(shape)")
            }
        }
        for (name, shape) in [(names.wte, shapes.wte), (names.wpe, shapes.wpe), (names.lnfw, shapes.lnfw), (names.lnfb, shapes.lnfb)] {
            try expect(name, shape)
        }
        for l in 0..<config.layers {
            for (name, shape) in zip(names.layers[0].flat, shapes.layers[0].flat) {
                try expect(name.replacingOccurrences(of: "h.0.", with: "h.\(l)."), shape)
            }
        }
        var parameters = GPT2Parameters(config: config)
        for (name, range, _) in parameters.tensors {
            let item = byName.removeValue(forKey: name)!  // present, of the right shape: checked above
            let values = stored.values(item)
            if let bad = values.firstIndex(where: { !$0.isFinite }) {
                throw FileError(stored.path(of: item.file), tensor: item.entry.name,
                                "holds a non-finite value (\(values[bad]) at element \(bad)); a checkpoint must be finite")
            }
            parameters.values.replaceSubrange(range, with: values)
        }
        if let head = byName.removeValue(forKey: "lm_head.weight") {
            guard stored.values(head) == Array(parameters.values[parameters.layout.ranges.wte]) else {
                throw FileError(stored.path(of: head.file), tensor: head.entry.name, "differs from wte.weight, but GPT-2 ties them")
            }
        }
        if let item = byName.sorted(by: { $0.key < $1.key }).first?.value {
            throw FileError(stored.path(of: item.file), tensor: item.entry.name, "is not a GPT-2 parameter")
        }
        return parameters
    }

    /// Writes a checkpoint directory Hugging Face loads: `model.safetensors` (tensors named with the
    /// `transformer.` prefix as `save_pretrained` writes them, tied `lm_head` not stored), or its shards and
    /// index, and a `config.json` for `GPT2LMHeadModel`, as one directory written whole (`AtomicDirectory`):
    /// only an absent or empty directory, or one lens wrote, is replaced.
    /// - Parameters:
    ///   - dtype: F32 (Hugging Face's default) or F64.
    ///   - maximumShardBytes: when given, the tensors go in flat order into shards of at most this many bytes
    ///     of tensor data (a larger tensor alone in its own), `model-0000k-of-0000N.safetensors`, with
    ///     `model.safetensors.index.json`, as `save_pretrained(max_shard_size=...)` writes them.
    ///   - extra: further files to put beside them (name and text), such as a cache's stamp, made from
    ///     the bytes of the tensors (of `model.safetensors`, or of the shards one after another).
    public func save(directory: String, dtype: SafeTensorsDType = .f32, maximumShardBytes: Int? = nil,
                     extra: (_ weights: Data) -> [String: String] = { _ in [:] }) throws {
        try AtomicDirectory.write(to: directory) { staging in
            let tensors = self.tensors.map {
                SafeTensorsTensor(name: "transformer." + $0.name, shape: $0.shape, dtype: dtype, values: Array(values[$0.range]))
            }
            var weights = Data()
            if let limit = maximumShardBytes {
                var shards: [[SafeTensorsTensor]] = [], bytes = 0
                for tensor in tensors {
                    let size = tensor.values.count * dtype.width
                    if shards.isEmpty || bytes + size > limit && !shards[shards.count - 1].isEmpty { shards.append([]); bytes = 0 }
                    shards[shards.count - 1].append(tensor)
                    bytes += size
                }
                var map: [String: String] = [:]
                for (k, shard) in shards.enumerated() {
                    let name = CheckpointTensors.shardName(k + 1, of: shards.count)
                    let data = SafeTensorsFile.encode(shard, metadata: ["format": "pt"])
                    try AtomicFile.write(data, to: "\(staging)/\(name)")
                    weights.append(data)
                    for tensor in shard { map[tensor.name] = name }
                }
                let total = tensors.reduce(0) { $0 + $1.values.count * dtype.width }
                try AtomicFile.write(JSON.data(["metadata": ["total_size": total], "weight_map": map] as [String: Any]),
                                     to: "\(staging)/\(CheckpointTensors.index)")
            } else {
                weights = SafeTensorsFile.encode(tensors, metadata: ["format": "pt"])
                try AtomicFile.write(weights, to: "\(staging)/\(CheckpointTensors.whole)")
            }
            let json: [String: Any] = [
                "model_type": "gpt2", "architectures": ["GPT2LMHeadModel"],
                "n_layer": config.layers, "n_embd": config.channels, "n_head": config.heads,
                "n_positions": config.maxPositions, "vocab_size": config.vocabulary, "n_inner": NSNull(),
                "layer_norm_epsilon": config.layerNormEpsilon, "activation_function": "gelu_new",
                "tie_word_embeddings": true, "resid_pdrop": 0.0, "embd_pdrop": 0.0, "attn_pdrop": 0.0,
                "scale_attn_weights": true, "dtype": dtype == .f64 ? "float64" : "float32",
            ]
            try AtomicFile.write(JSON.data(json),
                                 to: "\(staging)/config.json")
            for (name, text) in extra(weights).sorted(by: { $0.key < $1.key }) { try AtomicFile.write(text, to: "\(staging)/\(name)") }
        }
    }
}
