import _CFiles
import Foundation

/// The end of a command's output: everything printed is flushed, and a failed write (full disk,
/// closed pipe) is reported instead of ending in exit status 0.
public enum StandardOutput {
    /// Flushes standard output; on failure writes one line to standard error and exits with status 1.
    public static func finish() {
        guard lens_flush_standard_output() != 0 else { return }
        let reason = String(cString: strerror(errno))
        StandardError.write("Error: cannot write to standard output (\(reason))\n")
        exit(1)
    }
}
