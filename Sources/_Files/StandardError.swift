import Foundation

/// Writes to standard error that never stop the program: a closed or full stderr (`2>&-`,
/// `2>/dev/full`) loses the text instead of trapping, as `FileHandle.standardError.write` does.
public enum StandardError {
    /// Writes `text` as it is, ignoring any failure.
    public static func write(_ text: String) {
        var bytes = Array(text.utf8)[...]
        while !bytes.isEmpty {
            let written = bytes.withUnsafeBytes { Foundation.write(2, $0.baseAddress, $0.count) }
            if written < 0 && errno == EINTR { continue }
            guard written > 0 else { return }
            bytes = bytes.dropFirst(written)
        }
    }

    /// Whether standard error is a terminal (a person watching) rather than a file or a pipe (a log).
    public static var isTerminal: Bool { isatty(2) == 1 }
}
