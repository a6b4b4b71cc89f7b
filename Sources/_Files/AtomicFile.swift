import Foundation

/// Writes files whole or not at all: the text goes to a temporary file beside the destination,
/// which `rename(2)` then moves over it atomically, so a failure never leaves a half-written report.
public enum AtomicFile {
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
        public init(description: String) { self.description = description }
    }

    public static func write(_ text: String, to path: String) throws {
        try write(Data(text.utf8), to: path)
    }

    public static func write(_ data: Data, to path: String) throws {
        let url = URL(fileURLWithPath: path)
        let directory = url.deletingLastPathComponent()
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw Failure(description: "\(path): cannot create its directory \(directory.path) (\(fileSystemReason(error)))")
        }
        let temporary = directory.appendingPathComponent(".\(url.lastPathComponent).\(getpid()).tmp")
        do {
            try data.write(to: temporary)
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw Failure(description: "\(path): cannot write (\(fileSystemReason(error, path: temporary.path)))")
        }
        guard rename(temporary.path, url.path) == 0 else {
            let reason = String(cString: strerror(errno))
            try? FileManager.default.removeItem(at: temporary)
            throw Failure(description: "\(path): cannot replace the file (\(reason))")
        }
    }
}
