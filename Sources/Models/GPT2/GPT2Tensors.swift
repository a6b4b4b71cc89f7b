import Hessian
/// The parameter tensors of GPT-2, one typed field per tensor in the manner of llm.c's
/// `ParameterTensors`, generic over what each field holds: its range in the flat parameter buffer
/// (`GPT2Layout`), its shape, a pointer into a buffer of weights, of a direction v or of a gradient,
/// a role for the initialisation, or its Hugging Face name (at the checkpoint boundary only).
///
/// Every pass of the model reads the same wiring from one value of this type, and `map` turns the
/// layout into pointers for a buffer once per pass. The flat order is Hugging Face's: wte, wpe, the
/// twelve tensors of each layer in turn, ln_f; so each block (`GPT2Block`) is contiguous.
public struct GPT2Tensors<T> {
    /// (V,C) token embeddings, tied to the output head (`wte.weight`).
    public var wte: T
    /// (maxT,C) position embeddings (`wpe.weight`).
    public var wpe: T
    /// The transformer layers `h.0` … `h.{L−1}`.
    public var layers: [GPT2LayerTensors<T>]
    /// (C) final layer norm gain and bias (`ln_f.weight`, `ln_f.bias`).
    public var lnfw: T
    public var lnfb: T

    public init(wte: T, wpe: T, layers: [GPT2LayerTensors<T>], lnfw: T, lnfb: T) {
        (self.wte, self.wpe, self.layers, self.lnfw, self.lnfb) = (wte, wpe, layers, lnfw, lnfb)
    }

    /// The same structure with `transform` applied to every field, visited in flat order.
    public func map<U>(_ transform: (T) throws -> U) rethrows -> GPT2Tensors<U> {
        let wte = try transform(self.wte), wpe = try transform(self.wpe)
        let layers = try self.layers.map { try $0.map(transform) }
        let lnfw = try transform(self.lnfw)
        return GPT2Tensors<U>(wte: wte, wpe: wpe, layers: layers, lnfw: lnfw, lnfb: try transform(lnfb))
    }

    /// Every field in flat order.
    public var flat: [T] { [wte, wpe] + layers.flatMap(\.flat) + [lnfw, lnfb] }
}

/// The twelve tensors of one transformer layer (Hugging Face's names in the comments; Conv1D
/// weights are stored (in, out)).
public struct GPT2LayerTensors<T> {
    public var ln1w: T, ln1b: T          // (C)      ln_1.weight, ln_1.bias
    public var qkvw: T                   // (C,3C)   attn.c_attn.weight
    public var qkvb: T                   // (3C)     attn.c_attn.bias
    public var attprojw: T               // (C,C)    attn.c_proj.weight
    public var attprojb: T               // (C)      attn.c_proj.bias
    public var ln2w: T, ln2b: T          // (C)      ln_2.weight, ln_2.bias
    public var fcw: T                    // (C,4C)   mlp.c_fc.weight
    public var fcb: T                    // (4C)     mlp.c_fc.bias
    public var fcprojw: T                // (4C,C)   mlp.c_proj.weight
    public var fcprojb: T                // (C)      mlp.c_proj.bias

    public init(ln1w: T, ln1b: T, qkvw: T, qkvb: T, attprojw: T, attprojb: T,
                ln2w: T, ln2b: T, fcw: T, fcb: T, fcprojw: T, fcprojb: T) {
        (self.ln1w, self.ln1b, self.qkvw, self.qkvb, self.attprojw, self.attprojb) = (ln1w, ln1b, qkvw, qkvb, attprojw, attprojb)
        (self.ln2w, self.ln2b, self.fcw, self.fcb, self.fcprojw, self.fcprojb) = (ln2w, ln2b, fcw, fcb, fcprojw, fcprojb)
    }

    /// The same structure with `transform` applied to every field, visited in flat order.
    public func map<U>(_ transform: (T) throws -> U) rethrows -> GPT2LayerTensors<U> {
        let ln1w = try transform(self.ln1w), ln1b = try transform(self.ln1b)
        let qkvw = try transform(self.qkvw), qkvb = try transform(self.qkvb)
        let attprojw = try transform(self.attprojw), attprojb = try transform(self.attprojb)
        let ln2w = try transform(self.ln2w), ln2b = try transform(self.ln2b)
        let fcw = try transform(self.fcw), fcb = try transform(self.fcb)
        let fcprojw = try transform(self.fcprojw)
        return GPT2LayerTensors<U>(ln1w: ln1w, ln1b: ln1b, qkvw: qkvw, qkvb: qkvb, attprojw: attprojw, attprojb: attprojb,
                                   ln2w: ln2w, ln2b: ln2b, fcw: fcw, fcb: fcb, fcprojw: fcprojw, fcprojb: try transform(fcprojb))
    }

    /// Every field in flat order.
    public var flat: [T] { [ln1w, ln1b, qkvw, qkvb, attprojw, attprojb, ln2w, ln2b, fcw, fcb, fcprojw, fcprojb] }
}

extension GPT2Tensors: Sendable where T: Sendable {}
extension GPT2LayerTensors: Sendable where T: Sendable {}
extension GPT2Tensors: Equatable where T: Equatable {}
extension GPT2LayerTensors: Equatable where T: Equatable {}

extension GPT2Config {
    /// Every tensor's shape, row-major.
    public var shapes: GPT2Tensors<[Int]> {
        let c = channels
        let layer = GPT2LayerTensors(ln1w: [c], ln1b: [c], qkvw: [c, 3 * c], qkvb: [3 * c], attprojw: [c, c], attprojb: [c],
                                     ln2w: [c], ln2b: [c], fcw: [c, 4 * c], fcb: [4 * c], fcprojw: [4 * c, c], fcprojb: [c])
        return GPT2Tensors(wte: [vocabulary, c], wpe: [maxPositions, c], layers: Array(repeating: layer, count: layers),
                           lnfw: [c], lnfb: [c])
    }
}

/// A block of parameters for Theorem 1's per-block Hessian terms: the embeddings, one transformer
/// layer, or the final layer norm. Each is a contiguous range of the flat buffer.
enum GPT2Block: Hashable, Sendable {
    case embeddings
    case layer(Int)
    case finalNorm

    /// `embeddings`, `h.0` … `h.{L−1}`, `ln_f`: Hugging Face's prefixes, as reports and the fixture name them.
    var name: String {
        switch self {
        case .embeddings: return "embeddings"
        case .layer(let l): return "h.\(l)"
        case .finalNorm: return "ln_f"
        }
    }
}

/// Where each parameter tensor lives in the flat buffer that holds a parameter vector, a gradient,
/// a direction v or a Hessian-vector product: built once from the config.
public struct GPT2Layout: Sendable, Equatable {
    public let ranges: GPT2Tensors<Range<Int>>
    /// The total number of parameters.
    public let count: Int

    public init(_ config: GPT2Config) {
        var offset = 0
        ranges = config.shapes.map { shape in
            let start = offset
            offset += shape.reduce(1, *)
            return start..<offset
        }
        count = offset
    }

    /// The parameter blocks in flat order (`embeddings`, `h.0` … `h.{L−1}`, `ln_f`), each the span of
    /// its tensors: the blocks of Theorem 1, as the Hessian engine and reports name them.
    public var blocks: [ParameterBlock] { modelBlocks.map { ParameterBlock(name: $0.name, range: range(of: $0)) } }

    /// The model's blocks, in the order of `blocks`.
    var modelBlocks: [GPT2Block] { [.embeddings] + ranges.layers.indices.map { .layer($0) } + [.finalNorm] }

    /// The model's block whose range `block` spans, or nil when it spans another range (a single tensor, say).
    func modelBlock(_ block: ParameterBlock) -> GPT2Block? {
        modelBlocks.first { range(of: $0) == block.range }
    }

    /// The block's range: the span of its tensors, contiguous by the flat order.
    func range(of block: GPT2Block) -> Range<Int> {
        switch block {
        case .embeddings: return ranges.wte.lowerBound..<ranges.wpe.upperBound
        case .layer(let l): return ranges.layers[l].ln1w.lowerBound..<ranges.layers[l].fcprojb.upperBound
        case .finalNorm: return ranges.lnfw.lowerBound..<ranges.lnfb.upperBound
        }
    }

    /// Pointers to every tensor of a buffer in this layout.
    public func tensors<S>(in base: UnsafePointer<S>) -> GPT2Tensors<UnsafePointer<S>> {
        ranges.map { base + $0.lowerBound }
    }

    /// Mutable pointers to every tensor of a buffer in this layout.
    public func tensors<S>(in base: UnsafeMutablePointer<S>) -> GPT2Tensors<UnsafeMutablePointer<S>> {
        ranges.map { base + $0.lowerBound }
    }

    /// Pointers to the tensors of a buffer that holds one block's |b| numbers only (a block-restricted
    /// product's direction or result): the block's tensors point into it; every other tensor points at
    /// its start, and a block-restricted pass neither reads nor writes them.
    func tensors<S>(in base: UnsafeMutablePointer<S>, block: Range<Int>) -> GPT2Tensors<UnsafeMutablePointer<S>> {
        ranges.map { block.contains($0.lowerBound) ? base + ($0.lowerBound - block.lowerBound) : base }
    }

    func tensors<S>(in base: UnsafePointer<S>, block: Range<Int>) -> GPT2Tensors<UnsafePointer<S>> {
        ranges.map { block.contains($0.lowerBound) ? base + ($0.lowerBound - block.lowerBound) : base }
    }
}
