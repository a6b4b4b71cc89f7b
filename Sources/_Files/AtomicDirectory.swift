import _CFiles
import Foundation

/// Writes a directory whole or not at all: the contents are written into a staging directory beside
/// the destination, which then takes the destination's place in one step: `rename(2)` when there is
/// none, Linux's `renameat2(RENAME_EXCHANGE)` when there is (the old directory, now at the staging
/// path, is then removed). A process killed at any point leaves the old directory or the new one, and
/// at worst a stale staging directory beside it, never a half-written destination.
public enum AtomicDirectory {
    /// Calls `body` with the staging path to fill, then puts it in place of `path`.
    /// - Throws: what `body` throws (the staging directory is removed), or `AtomicFile.Failure` when the
    ///   destination is not a directory or the swap fails.
    public static func write(to path: String, _ body: (_ staging: String) throws -> Void) throws {
        let url = URL(fileURLWithPath: path).standardizedFileURL
        let parent = url.deletingLastPathComponent()
        do {
            try FileManager.default.createDirectory(at: parent, withIntermediateDirectories: true)
        } catch {
            throw AtomicFile.Failure(description: "\(path): cannot create its directory \(parent.path) (\(fileSystemReason(error)))")
        }
        let staging = parent.appendingPathComponent(".\(url.lastPathComponent).staging.\(getpid())").path
        try? FileManager.default.removeItem(atPath: staging)
        try FileManager.default.createDirectory(atPath: staging, withIntermediateDirectories: false)
        do {
            try body(staging)
        } catch {
            try? FileManager.default.removeItem(atPath: staging)
            throw error
        }
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else {
                try? FileManager.default.removeItem(atPath: staging)
                throw AtomicFile.Failure(description: "\(path): exists and is not a directory")
            }
            guard lens_exchange_paths(staging, url.path) == 0 else {
                let reason = String(cString: strerror(errno))
                try? FileManager.default.removeItem(atPath: staging)
                throw AtomicFile.Failure(description: "\(path): cannot replace the directory (\(reason))")
            }
        } else if rename(staging, url.path) != 0 {
            let reason = String(cString: strerror(errno))
            try? FileManager.default.removeItem(atPath: staging)
            throw AtomicFile.Failure(description: "\(path): cannot create the directory (\(reason))")
        }
        // After an exchange the staging path holds the old directory.
        try? FileManager.default.removeItem(atPath: staging)
    }
}
