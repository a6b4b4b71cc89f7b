import Foundation
import LinearAlgebra

/// The buffers of a pass's intermediate tensors, freed together when the storage is released: the
/// model's caches (activations, cotangents, tangents) are structs of pointers into buffers taken
/// from one storage, as llm.c points its activation tensors into one allocation.
final class TensorStorage<S: GEMMScalar> {
    private var buffers: [(address: UnsafeMutableRawPointer, bytes: Int)] = []

    /// The elements held, in all.
    private(set) var count = 0

    /// A new buffer of `count` zeros, owned by the storage: large ones from the `PageCache`, small ones
    /// from `calloc`. Zero bytes are the value 0 of every IEEE type.
    func take(_ count: Int) -> UnsafeMutablePointer<S> {
        let bytes = Swift.max(count, 1) * MemoryLayout<S>.stride
        let cached = bytes >= PageCache.smallestBytes
        guard let raw = cached ? PageCache.shared.take(bytes) : calloc(Swift.max(count, 1), MemoryLayout<S>.stride) else {
            fatalError("out of memory: \(count) elements of \(MemoryLayout<S>.stride) bytes")
        }
        buffers.append((raw, bytes))
        self.count += count
        return raw.bindMemory(to: S.self, capacity: Swift.max(count, 1))
    }

    deinit {
        for buffer in buffers {
            if buffer.bytes >= PageCache.smallestBytes { PageCache.shared.giveBack(buffer.address, bytes: buffer.bytes) } else { free(buffer.address) }
        }
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
