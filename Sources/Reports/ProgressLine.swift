import _Files
import Foundation

/// A running job's progress on stderr, for anything that may run over two seconds: the work done, the
/// time elapsed and the time left at the rate so far. On a terminal one line is redrawn in place; in a
/// file or a pipe (a log) each update is a whole line, fewer of them. Nothing is written for jobs that
/// finish within two seconds, and a closed or full stderr loses the text without stopping the job.
public final class ProgressLine: @unchecked Sendable {
    private let label: String
    private let start = DispatchTime.now().uptimeNanoseconds
    private var shown = false
    private var lastDrawn = -Double.infinity
    private let inPlace = StandardError.isTerminal
    /// Seconds before the first line is drawn.
    private static let quietSeconds = 2.0
    /// Seconds between redraws: the line is for a person, who reads it a few times a second at most;
    /// a log gets a line every ten seconds.
    private var redrawSeconds: Double { inPlace ? 0.5 : 10 }

    public init(_ label: String) { self.label = label }

    private var elapsed: Double { Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 }

    /// Reports `done` of `total` units.
    public func update(_ done: Int, of total: Int) {
        let seconds = elapsed
        guard seconds >= Self.quietSeconds, total > 0, seconds - lastDrawn >= redrawSeconds || done >= total else { return }
        lastDrawn = seconds
        let text = Self.text(label, done: done, of: total, seconds: seconds)
        StandardError.write(inPlace ? "\r" + text : text + "\n")
        shown = true
    }

    /// One progress line: the work done of the total, whole (64-bit counts), the time elapsed and the
    /// time left at the rate so far.
    static func text(_ label: String, done: Int, of total: Int, seconds: Double) -> String {
        let left = done > 0 ? seconds * (Double(total) - Double(done)) / Double(done) : .nan
        return "\(label): \(done)/\(total), \(Int(seconds.rounded())) s elapsed, "
            + (left.isFinite && left < 1e15 ? "about \(Int(left.rounded())) s left" : "unknown time left")
    }

    /// Ends the line (if one was drawn) with the total time.
    public func finish() {
        guard shown else { return }
        let text = "\(label): done in \(Int(elapsed.rounded())) s"
        StandardError.write(inPlace ? "\r" + text + String(repeating: " ", count: 24) + "\n" : text + "\n")
    }

    /// A line on stderr before a job starts (its memory, say).
    public static func note(_ text: String) {
        StandardError.write(text + "\n")
    }
}
