import Foundation
import Synchronization

/// Large zeroed buffers for the model's passes (activations, cotangents, an HVP's workspace), mapped
/// once and kept between uses, as XLA's and PyTorch's caching allocators keep theirs.
///
/// Fresh pages are expensive: the kernel faults in and zeroes each one on first touch, which measured
/// 0.6-0.7 s for the 320 MB workspace of `lens bench hvp`'s model (a third of an HVP). A buffer given
/// back waits, mapped and touched, for the next request of its exact size (a linearisation or a
/// workspace of the same batch shape asks for the same sizes), which gets it zeroed by `memset`.
/// Idle buffers are unmapped, oldest first, whenever keeping them would make the memory mapped exceed
/// the largest total the live buffers have ever needed: the process's peak is the one it would have
/// without the cache. Mappings are backed by transparent huge pages where the kernel allows
/// (`MADV_HUGEPAGE`).
final class PageCache: Sendable {
    static let shared = PageCache()

    /// Buffers from this size up come from the cache; smaller ones from `calloc`, whose heap keeps them.
    static var smallestBytes: Int { 4 << 20 }

    private struct State {
        /// Idle mappings, oldest first (addresses as integers).
        var idle: [(bytes: Int, address: UInt)] = []
        var idleBytes = 0, liveBytes = 0, peakBytes = 0
    }
    private let state = Mutex(State())

    /// A buffer of `bytes` zero bytes, mapped (`bytes` ≥ `smallestBytes`); nil when the system has no memory.
    /// - Complexity: O(bytes) to zero a reused buffer; a fresh mapping's pages are zeroed on first touch.
    func take(_ bytes: Int) -> UnsafeMutableRawPointer? {
        precondition(bytes >= Self.smallestBytes, "a small buffer belongs to calloc")
        let reused: UInt? = state.withLock { s in
            s.liveBytes += bytes
            if let i = s.idle.lastIndex(where: { $0.bytes == bytes }) {
                s.idleBytes -= bytes
                return s.idle.remove(at: i).address
            }
            s.peakBytes = max(s.peakBytes, s.liveBytes)
            while !s.idle.isEmpty && s.liveBytes + s.idleBytes > s.peakBytes {
                let oldest = s.idle.removeFirst()
                munmap(UnsafeMutableRawPointer(bitPattern: oldest.address), oldest.bytes)
                s.idleBytes -= oldest.bytes
            }
            return nil
        }
        if let reused, let buffer = UnsafeMutableRawPointer(bitPattern: reused) {
            memset(buffer, 0, bytes)
            return buffer
        }
        guard let buffer = mmap(nil, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), buffer != MAP_FAILED else {
            state.withLock { $0.liveBytes -= bytes }
            return nil
        }
        _ = madvise(buffer, bytes, 14)  // MADV_HUGEPAGE: advice, ignored where transparent huge pages are off.
        return buffer
    }

    /// Gives back a buffer `take` returned, for reuse.
    func giveBack(_ buffer: UnsafeMutableRawPointer, bytes: Int) {
        state.withLock { s in
            s.liveBytes -= bytes
            s.idleBytes += bytes
            s.idle.append((bytes, UInt(bitPattern: buffer)))
        }
    }
}
