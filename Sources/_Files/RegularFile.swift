import Foundation

/// Reading a user's file, with the reason for a failure as the system gives it ("No such file or
/// directory", "Too many levels of symbolic links", "File name too long", "Not a directory"), or that
/// the path is a directory, a pipe or a device rather than a file: each reader wraps the reason in its
/// own error, naming the file.
public enum RegularFile {
    /// Why a file could not be read: `reason` completes "cannot read the file (...)" or stands alone.
    public struct Failure: Error {
        public var reason: String
    }

    /// The bytes of the regular file at `path`, memory-mapped when asked.
    public static func contents(_ path: String, mapped: Bool = false) throws(Failure) -> Data {
        var status = stat()
        guard stat(path, &status) == 0 else { throw Failure(reason: "cannot read the file (\(String(cString: strerror(errno))))") }
        switch status.st_mode & S_IFMT {
        case S_IFREG: break
        case S_IFDIR: throw Failure(reason: "is a directory, not a file")
        default: throw Failure(reason: "is not a regular file (a pipe, socket or device); give a file")
        }
        do {
            return try Data(contentsOf: URL(fileURLWithPath: path), options: mapped ? .alwaysMapped : [])
        } catch {
            throw Failure(reason: "cannot read the file (\(fileSystemReason(error, path: path)))")
        }
    }
}
