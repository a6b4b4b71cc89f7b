import Foundation
import Synchronization

/// Large buffers for the model's passes (activations, cotangents, an HVP's workspace) and Lanczos bases,
/// mapped once and kept between uses, as XLA's and PyTorch's caching allocators keep theirs.
///
/// Fresh pages are expensive: the kernel faults in and zeroes each one on first touch, which measured
/// 0.6-0.7 s for the 320 MB workspace of `lens bench hvp`'s model (a third of an HVP). A buffer given
/// back waits, mapped and touched, for the next request of its exact size (a linearisation or a
/// workspace of the same batch shape asks for the same sizes, a Lanczos basis of the same block and steps),
/// which gets it zeroed by `memset` when it asks for zeros.
/// Idle buffers are unmapped, oldest first, whenever keeping them would make the memory mapped exceed
/// the largest total the live buffers have ever needed: the process's peak is the one it would have
/// without the cache. Mappings are backed by transparent huge pages where the kernel allows
/// (`MADV_HUGEPAGE`).
public final class PageCache: Sendable {
    public static let shared = PageCache()

    /// Buffers from this size up come from the cache; smaller ones from `calloc`, whose heap keeps them.
    public static var smallestBytes: Int { 4 << 20 }

    private struct State {
        /// Idle mappings, oldest first (addresses as integers).
        var idle: [(bytes: Int, address: UInt)] = []
        var idleBytes = 0, liveBytes = 0, peakBytes = 0
    }
    private let state = Mutex(State())

    /// A buffer of `bytes` bytes, mapped (`bytes` ≥ `smallestBytes`), zero unless `zeroed` is false (a
    /// reused buffer then holds what its last user left); nil when the system has no memory.
    /// - Complexity: O(bytes) to zero a reused buffer; a fresh mapping's pages are zeroed on first touch.
    public func take(_ bytes: Int, zeroed: Bool = true) -> UnsafeMutableRawPointer? {
        take(bytes, zeroed: zeroed, atLeast: false)?.buffer
    }

    /// A buffer of at least `bytes` bytes, not zeroed: the smallest idle one that holds them, else a new one
    /// of `bytes`. For a sequence of requests of different sizes that one buffer can serve in turn (Lanczos
    /// bases over the blocks of a model, one block after another); give it back with the size returned.
    public func take(atLeast bytes: Int) -> (buffer: UnsafeMutableRawPointer, bytes: Int)? {
        take(bytes, zeroed: false, atLeast: true)
    }

    private func take(_ bytes: Int, zeroed: Bool, atLeast: Bool) -> (buffer: UnsafeMutableRawPointer, bytes: Int)? {
        precondition(bytes >= Self.smallestBytes, "a small buffer belongs to calloc")
        let reused: (address: UInt, bytes: Int)? = state.withLock { s in
            let fits = s.idle.indices.filter { atLeast ? s.idle[$0].bytes >= bytes : s.idle[$0].bytes == bytes }
            if let i = fits.min(by: { s.idle[$0].bytes < s.idle[$1].bytes }) {
                let found = s.idle.remove(at: i)
                s.idleBytes -= found.bytes
                s.liveBytes += found.bytes
                s.peakBytes = max(s.peakBytes, s.liveBytes)
                return (found.address, found.bytes)
            }
            s.liveBytes += bytes
            s.peakBytes = max(s.peakBytes, s.liveBytes)
            while !s.idle.isEmpty && s.liveBytes + s.idleBytes > s.peakBytes {
                let oldest = s.idle.removeFirst()
                munmap(UnsafeMutableRawPointer(bitPattern: oldest.address), oldest.bytes)
                s.idleBytes -= oldest.bytes
            }
            return nil
        }
        if let reused, let buffer = UnsafeMutableRawPointer(bitPattern: reused.address) {
            if zeroed { memset(buffer, 0, reused.bytes) }
            return (buffer, reused.bytes)
        }
        guard let buffer = mmap(nil, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), buffer != MAP_FAILED else {
            state.withLock { $0.liveBytes -= bytes }
            return nil
        }
        _ = madvise(buffer, bytes, 14)  // MADV_HUGEPAGE: advice, ignored where transparent huge pages are off.
        return (buffer, bytes)
    }

    /// Gives back a buffer `take` returned, for reuse.
    public func giveBack(_ buffer: UnsafeMutableRawPointer, bytes: Int) {
        state.withLock { s in
            s.liveBytes -= bytes
            s.idleBytes += bytes
            s.idle.append((bytes, UInt(bitPattern: buffer)))
        }
    }
}
