import Foundation
import LinearAlgebra

/// The buffers of a pass's intermediate tensors, freed together when the storage is released: the
/// model's caches (activations, cotangents, tangents) are structs of pointers into buffers taken
/// from one storage, as llm.c points its activation tensors into one allocation.
final class TensorStorage<S: GEMMScalar> {
    private var buffers: [UnsafeMutableRawPointer] = []

    /// The elements held, in all.
    private(set) var count = 0

    /// A new buffer of `count` zeros, owned by the storage. `calloc` gives zeros without writing
    /// them: large buffers are fresh pages, which the kernel hands out zeroed.
    func take(_ count: Int) -> UnsafeMutablePointer<S> {
        guard let raw = calloc(Swift.max(count, 1), MemoryLayout<S>.stride) else {
            fatalError("out of memory: \(count) elements of \(MemoryLayout<S>.stride) bytes")
        }
        buffers.append(raw)
        self.count += count
        // Zero bytes are the value 0 of every IEEE type.
        return raw.bindMemory(to: S.self, capacity: Swift.max(count, 1))
    }

    deinit {
        for buffer in buffers { free(buffer) }
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
