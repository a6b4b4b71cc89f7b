import LinearAlgebra

/// The buffers of a pass's intermediate tensors, freed together when the storage is released: the
/// model's caches (activations, cotangents, tangents) are structs of pointers into buffers taken
/// from one storage, as llm.c points its activation tensors into one allocation.
final class TensorStorage<S: GEMMScalar> {
    private var buffers: [UnsafeMutableBufferPointer<S>] = []

    /// The elements held, in all.
    private(set) var count = 0

    /// A new buffer of `count` zeros, owned by the storage.
    func take(_ count: Int) -> UnsafeMutablePointer<S> {
        let buffer = UnsafeMutableBufferPointer<S>.allocate(capacity: Swift.max(count, 1))
        buffer.initialize(repeating: 0)
        buffers.append(buffer)
        self.count += count
        return buffer.baseAddress!
    }

    deinit {
        for buffer in buffers { buffer.deallocate() }
    }
}

/// The sizes a pass over one batch works with: B sequences of T tokens, N = B·T rows, C channels,
/// NH heads, V vocabulary entries, L layers.
struct GPT2Dimensions {
    let B: Int, T: Int, C: Int, NH: Int, V: Int, L: Int
    var N: Int { B * T }

    init(_ config: GPT2Config, _ batch: TokenBatch) {
        (B, T, C, NH, V, L) = (batch.batch, batch.length, config.channels, config.heads, config.vocabulary, config.layers)
    }
}
