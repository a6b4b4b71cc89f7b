import Foundation

/// A running job's progress on stderr, for anything that may run over two seconds: one line, redrawn
/// in place, with the work done, the time elapsed and the time left at the rate so far. Nothing is
/// written for jobs that finish within two seconds.
public final class ProgressLine: @unchecked Sendable {
    private let label: String
    private let start = DispatchTime.now().uptimeNanoseconds
    private var shown = false
    private var lastDrawn = -Double.infinity
    /// Seconds before the first line is drawn.
    private static let quietSeconds = 2.0
    /// Seconds between redraws: the line is for a person, who reads it a few times a second at most.
    private static let redrawSeconds = 0.5

    public init(_ label: String) { self.label = label }

    private var elapsed: Double { Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 }

    /// Reports `done` of `total` units.
    public func update(_ done: Int, of total: Int) {
        let seconds = elapsed
        guard seconds >= Self.quietSeconds, total > 0, seconds - lastDrawn >= Self.redrawSeconds || done >= total else { return }
        lastDrawn = seconds
        let left = done > 0 ? seconds * Double(total - done) / Double(done) : .nan
        let line = String(format: "\r%@: %d/%d, %.0f s elapsed, %@ left", label, done, total, seconds,
                          left.isFinite ? String(format: "about %.0f s", left) : "unknown")
        FileHandle.standardError.write(Data(line.utf8))
        shown = true
    }

    /// Ends the line (if one was drawn) with the total time.
    public func finish() {
        guard shown else { return }
        FileHandle.standardError.write(Data(String(format: "\r%@: done in %.0f s%@\n", label, elapsed, String(repeating: " ", count: 24)).utf8))
    }

    /// A line on stderr before a job starts (its memory, say).
    public static func note(_ text: String) {
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }
}
