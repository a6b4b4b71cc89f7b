import Foundation
import Hessian

/// All parameters of a GPT-2 model in one flat Float64 buffer, tensors in `GPT2Config.tensorLayout`
/// order, so a parameter vector, a gradient, a direction v and an HVP share one layout and the
/// Hessian engine's blocks are contiguous ranges.
public struct GPT2Parameters: Sendable {
    public let config: GPT2Config
    public var values: [Double]
    /// Tensor name (without the `transformer.` prefix) → its range in `values` and its shape.
    public let tensors: [(name: String, range: Range<Int>, shape: [Int])]
    /// `embeddings`, `h.0` … `h.{L−1}`, `ln_f`.
    public let blocks: [ParameterBlock]

    public init(config: GPT2Config, values: [Double]? = nil) {
        self.config = config
        var tensors: [(String, Range<Int>, [Int])] = []
        var blocks: [ParameterBlock] = []
        var offset = 0
        for (name, shape, block) in config.tensorLayout {
            let count = shape.reduce(1, *)
            tensors.append((name, offset..<(offset + count), shape))
            if let last = blocks.last, last.name == block {
                blocks[blocks.count - 1] = ParameterBlock(name: block, range: last.range.lowerBound..<(offset + count))
            } else {
                blocks.append(ParameterBlock(name: block, range: offset..<(offset + count)))
            }
            offset += count
        }
        self.tensors = tensors
        self.blocks = blocks
        self.values = values ?? [Double](repeating: 0, count: offset)
        precondition(self.values.count == offset, "expected \(offset) parameters")
    }

    public var count: Int { values.count }

    public func range(_ name: String) -> Range<Int> {
        guard let t = tensors.first(where: { $0.name == name }) else { preconditionFailure("no tensor \(name)") }
        return t.range
    }

    /// Loads a Hugging Face checkpoint directory (`config.json` + `model.safetensors`). Tensor names
    /// may carry the `transformer.` prefix or not; `attn.bias` / `attn.masked_bias` buffers of older
    /// checkpoints are ignored; `lm_head.weight`, if stored, must equal `wte.weight` (tied).
    public static func load(directory: String) throws(ModelFileError) -> GPT2Parameters {
        let config = try GPT2Config.read(path: "\(directory)/config.json")
        let path = "\(directory)/model.safetensors"
        let file = try SafeTensorsFile(path: path)
        var byName: [String: SafeTensorsEntry] = [:]
        for entry in file.entries {
            let name = entry.name.hasPrefix("transformer.") ? String(entry.name.dropFirst("transformer.".count)) : entry.name
            if name.hasSuffix(".attn.bias") || name.hasSuffix(".attn.masked_bias") { continue }
            if byName[name] != nil { throw ModelFileError(path, tensor: entry.name, "appears with and without the transformer. prefix") }
            byName[name] = entry
        }
        var parameters = GPT2Parameters(config: config)
        for (name, range, shape) in parameters.tensors {
            guard let entry = byName.removeValue(forKey: name) else {
                throw ModelFileError(path, tensor: name, "missing (expected shape \(shape))")
            }
            guard entry.shape == shape else {
                throw ModelFileError(path, tensor: entry.name, "shape \(entry.shape) does not match the config's \(shape)")
            }
            parameters.values.replaceSubrange(range, with: file.values(entry))
        }
        if let head = byName.removeValue(forKey: "lm_head.weight") {
            guard file.values(head) == Array(parameters.values[parameters.range("wte.weight")]) else {
                throw ModelFileError(path, tensor: head.name, "differs from wte.weight, but GPT-2 ties them")
            }
        }
        if let extra = byName.keys.sorted().first {
            throw ModelFileError(path, tensor: extra, "is not a GPT-2 parameter")
        }
        return parameters
    }
}
