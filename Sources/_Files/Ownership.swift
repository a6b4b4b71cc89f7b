import Foundation

/// What lens may replace: only what it wrote itself.
///
/// A directory lens writes (a report, a checkpoint) holds a marker file, `.lens-written`, listing every
/// file lens put there, one relative path a line. lens replaces a directory only when it is absent,
/// empty, or marked and holding nothing beyond its list, so a user's file that found its way into a
/// report directory (or a directory given by mistake, such as the working directory or a command's own
/// input) is never deleted. A single file lens writes is replaced only when its contents say lens wrote
/// it (a signature the caller checks).
public enum Ownership {
    /// The marker's file name inside a directory lens wrote.
    public static let marker = ".lens-written"
    static let header = "# Files written by lens (LensLLM toolkit); lens replaces this directory only while it holds nothing else."

    /// Throws unless `path` can be replaced as a directory lens wrote: it is absent, or an empty
    /// directory, or a marked one whose files are all listed in its marker. Entries named in
    /// `carrying` (top-level names the writer moves into the new directory) are not checked.
    /// Also refused: a file or a symbolic link at `path`, the working directory or one of its parents.
    public static func checkDirectory(_ path: String, carrying: Set<String> = []) throws {
        let url = URL(fileURLWithPath: path).standardizedFileURL
        guard let status = try existing(path, url) else { return }
        if (status.st_mode & S_IFMT) == S_IFLNK {
            throw AtomicFile.Failure(description: "\(path): is a symbolic link; give the directory it points to, or a new one")
        }
        guard (status.st_mode & S_IFMT) == S_IFDIR else {
            throw AtomicFile.Failure(description: "\(path): is a file, not a directory; give a directory to write into")
        }
        let working = URL(fileURLWithPath: FileManager.default.currentDirectoryPath).standardizedFileURL.path
        if working == url.path || working.hasPrefix(url.path == "/" ? "/" : url.path + "/") {
            throw AtomicFile.Failure(description: "\(path): is the working directory or one of its parents; give a directory of the report's own")
        }
        let listed = markedFiles(in: url.path)
        let foreign = try files(under: url.path).filter { file in
            file != marker && !carrying.contains(String(file.split(separator: "/").first ?? "")) && !(listed?.contains(file) ?? false)
        }
        guard foreign.isEmpty else {
            let more = foreign.count > 1 ? " and \(foreign.count - 1) more" : ""
            let why = listed == nil ? "it has no \(marker) marker, so lens did not write it"
                                    : "they are not among the files its \(marker) marker lists"
            throw AtomicFile.Failure(description: "\(path): holds files lens did not write (\(foreign[0])\(more)); \(why). "
                                     + "lens replaces only an empty directory or one it wrote: give a new directory")
        }
        try checkParentWritable(url)
    }

    /// Throws unless `path` can be replaced as a file lens wrote: absent, or a regular file whose bytes
    /// `isOurs` recognises. `kind` names what lens writes there, for the message.
    public static func checkFile(_ path: String, kind: String, isOurs: (Data) -> Bool) throws {
        let url = URL(fileURLWithPath: path).standardizedFileURL
        guard let status = try existing(path, url) else { return }
        guard (status.st_mode & S_IFMT) == S_IFREG else {
            throw AtomicFile.Failure(description: "\(path): is not a regular file (a directory, link or device); give a file path for the \(kind)")
        }
        let data: Data
        do { data = try Data(contentsOf: url, options: .alwaysMapped) } catch {
            throw AtomicFile.Failure(description: "\(path): cannot read the existing file (\(fileSystemReason(error, path: url.path)))")
        }
        guard isOurs(data) else {
            throw AtomicFile.Failure(description: "\(path): exists and is not a \(kind) lens wrote; lens does not overwrite it: give a new path")
        }
        try checkParentWritable(url)
    }

    /// Writes the marker into `directory`, listing every file under it (sorted).
    static func mark(_ directory: String) throws {
        let listing = try files(under: directory).filter { $0 != marker }.sorted()
        try AtomicFile.write(([header] + listing).joined(separator: "\n") + "\n", to: "\(directory)/\(marker)")
    }

    /// The files a directory's marker lists, or nil when it has none (or not ours).
    static func markedFiles(in directory: String) -> Set<String>? {
        guard let text = try? String(contentsOfFile: "\(directory)/\(marker)", encoding: .utf8),
              text.hasPrefix(header) else { return nil }
        return Set(text.split(separator: "\n").dropFirst().map(String.init))
    }

    /// Every entry under `directory` that is not a directory (files, links, devices), relative, sorted.
    static func files(under directory: String) throws -> [String] {
        guard let enumerator = FileManager.default.enumerator(atPath: directory) else {
            throw AtomicFile.Failure(description: "\(directory): cannot list the directory")
        }
        var found: [String] = []
        while let entry = enumerator.nextObject() as? String {
            if (enumerator.fileAttributes?[.type] as? FileAttributeType) != .typeDirectory { found.append(entry) }
        }
        return found.sorted()
    }

    /// What is at `url` (not following a final link), or nil when nothing is and lens may create it there:
    /// then the path must be absent (ENOENT), not unreachable for another reason ("File name too long",
    /// "Too many levels of symbolic links", "Permission denied"), and its parent writable.
    static func existing(_ path: String, _ url: URL) throws -> stat? {
        var status = stat()
        if lstat(url.path, &status) == 0 { return status }
        let code = errno
        guard code == ENOENT else { throw AtomicFile.Failure(description: "\(path): \(posixReason(code))") }
        try checkParentWritable(url)
        return nil
    }

    /// The nearest existing ancestor of `url` must be a directory this process can write into.
    static func checkParentWritable(_ url: URL) throws {
        var parent = url.deletingLastPathComponent()
        while !FileManager.default.fileExists(atPath: parent.path) && parent.path != "/" { parent = parent.deletingLastPathComponent() }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: parent.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw AtomicFile.Failure(description: "\(url.path): \(parent.path) is a file, not a directory")
        }
        guard access(parent.path, W_OK) == 0 else {
            throw AtomicFile.Failure(description: "\(url.path): cannot write into \(parent.path) (\(String(cString: strerror(errno))))")
        }
    }
}
