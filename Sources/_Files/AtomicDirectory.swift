import _CFiles
import Foundation

/// Writes a directory whole or not at all: the contents are written into a staging directory beside
/// the destination, which then takes the destination's place in one step: `rename(2)` when there is
/// none, Linux's `renameat2(RENAME_EXCHANGE)` when there is (the old directory, now at the staging
/// path, is then removed). A process killed at any point leaves the old directory or the new one, and
/// at worst a stale staging directory beside it, never a half-written destination.
///
/// Only a directory lens wrote is replaced (`Ownership`): the new one is marked with the list of its
/// files, and an existing destination must be absent, empty or marked and holding nothing else.
public enum AtomicDirectory {
    /// Calls `body` with the staging path to fill, then puts it in place of `path`.
    /// - Parameter carrying: top-level entries of the existing destination (a cache lens keeps there)
    ///   moved into the new directory just before the swap instead of being replaced.
    /// - Throws: what `body` throws (the staging directory is removed), or `AtomicFile.Failure` when the
    ///   destination is not a directory lens may replace (`Ownership.checkDirectory`) or the swap fails.
    public static func write(to path: String, carrying: Set<String> = [], _ body: (_ staging: String) throws -> Void) throws {
        try Ownership.checkDirectory(path, carrying: carrying)
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
            try Ownership.mark(staging)
            // Checked again: the destination may have changed while the body ran.
            try Ownership.checkDirectory(path, carrying: carrying)
        } catch {
            try? FileManager.default.removeItem(atPath: staging)
            throw error
        }
        if FileManager.default.fileExists(atPath: url.path) {
            for entry in carrying.sorted() where FileManager.default.fileExists(atPath: url.appendingPathComponent(entry).path) {
                guard rename(url.appendingPathComponent(entry).path, "\(staging)/\(entry)") == 0 else {
                    let reason = String(cString: strerror(errno))
                    try? FileManager.default.removeItem(atPath: staging)
                    throw AtomicFile.Failure(description: "\(path): cannot keep \(entry) (\(reason))")
                }
            }
            guard lens_exchange_paths(staging, url.path) == 0 else {
                let reason = String(cString: strerror(errno))
                for entry in carrying { rename("\(staging)/\(entry)", url.appendingPathComponent(entry).path) }
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
