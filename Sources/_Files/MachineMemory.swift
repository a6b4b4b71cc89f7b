import Foundation

/// Work refused before it starts because it cannot fit: a request whose memory exceeds the machine's
/// would abort in the allocator (or be killed) after the user waited for it.
public enum MachineMemory {
    /// The machine's physical memory in bytes.
    public static var bytes: Double { Double(ProcessInfo.processInfo.physicalMemory) }

    /// Work that needs more memory than the machine has.
    public struct Exceeded: Error, CustomStringConvertible {
        public var description: String
    }

    /// Throws `Exceeded` when `needed` bytes (a Double, so that absurd requests do not overflow) exceed
    /// the machine's memory. `what` names the work and `remedy` the option that shrinks it.
    public static func require(_ needed: Double, for what: String, remedy: String) throws(Exceeded) {
        guard needed.isFinite, needed <= bytes else {
            throw Exceeded(description: String(format: "%@: about %.3g GiB of memory, more than this machine's %.1f GiB; %@",
                                               what, needed / 1_073_741_824, bytes / 1_073_741_824, remedy))
        }
    }

    /// How many threads to run, each needing `bytes(threads)` in all: `requested` if the machine holds it
    /// (`require` otherwise), else the most, up to the machine's active cores, that it holds.
    public static func threads(requested: Int?, bytes needed: (Int) -> Double, for what: String, remedy: String) throws(Exceeded) -> Int {
        if let requested {
            try require(needed(requested), for: "\(what) on \(requested) threads", remedy: remedy)
            return requested
        }
        try require(needed(1), for: what, remedy: remedy)
        return (1...max(1, ProcessInfo.processInfo.activeProcessorCount)).last { needed($0) <= bytes } ?? 1
    }
}
