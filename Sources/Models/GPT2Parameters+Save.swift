import _Files
import Foundation
import LinearAlgebra

extension GPT2Parameters {
    /// Writes a checkpoint directory Hugging Face loads: `model.safetensors` (tensors named with the
    /// `transformer.` prefix as `save_pretrained` writes them, tied `lm_head` not stored) and a
    /// `config.json` for `GPT2LMHeadModel`. Both files are written whole (temporary file, then rename).
    /// - Parameter dtype: F32 (Hugging Face's default) or F64.
    public func save(directory: String, dtype: SafeTensorsDType = .f32) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let tensors = self.tensors.map {
            SafeTensorsTensor(name: "transformer." + $0.name, shape: $0.shape, dtype: dtype, values: Array(values[$0.range]))
        }
        try AtomicFile.write(SafeTensorsFile.encode(tensors, metadata: ["format": "pt"]), to: "\(directory)/model.safetensors")
        let json: [String: Any] = [
            "model_type": "gpt2", "architectures": ["GPT2LMHeadModel"],
            "n_layer": config.layers, "n_embd": config.channels, "n_head": config.heads,
            "n_positions": config.maxPositions, "vocab_size": config.vocabulary, "n_inner": NSNull(),
            "layer_norm_epsilon": config.layerNormEpsilon, "activation_function": "gelu_new",
            "tie_word_embeddings": true, "resid_pdrop": 0.0, "embd_pdrop": 0.0, "attn_pdrop": 0.0,
            "scale_attn_weights": true, "dtype": dtype == .f64 ? "float64" : "float32",
        ]
        try AtomicFile.write(JSONSerialization.data(withJSONObject: json, options: [.prettyPrinted, .sortedKeys]),
                             to: "\(directory)/config.json")
    }
}

extension GPT2Parameters {
    /// A seeded initialisation in GPT-2's manner (Radford et al. 2019, as Hugging Face does it):
    /// weights N(0, 0.02²), the residual projections (`attn.c_proj`, `mlp.c_proj`) N(0, (0.02/√(2L))²),
    /// biases 0, layer-norm gains 1.
    public static func randomInitialization(config: GPT2Config, seed: UInt64) -> GPT2Parameters {
        var rng = SeededGenerator(seed: seed)
        var parameters = GPT2Parameters(config: config)
        let projectionScale = 0.02 / (2 * Double(config.layers)).squareRoot()
        for (name, range, _) in parameters.tensors {
            let isGain = name.hasSuffix("ln_1.weight") || name.hasSuffix("ln_2.weight") || name == "ln_f.weight"
            let isBias = name.hasSuffix(".bias")
            let scale = name.hasSuffix("c_proj.weight") ? projectionScale : 0.02
            for i in range { parameters.values[i] = isGain ? 1 : (isBias ? 0 : scale * rng.normal()) }
        }
        return parameters
    }
}
