import ArgumentParser
import _Files
import Foundation

/// Destinations the commands refuse before doing any work: an empty path (which resolves to the
/// working directory's parent chain in surprising ways), the file-system root, and anything lens did
/// not write itself (`Ownership`): a report or checkpoint directory replaces only an empty directory
/// or one lens wrote, a file only a file lens wrote.
enum OutputPath {
    static func check(_ path: String, option: String) throws {
        let trimmed = path.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty else { throw ValidationError("\(option) is empty; give a file or directory to write") }
        guard URL(fileURLWithPath: trimmed).standardizedFileURL.path != "/" else {
            throw ValidationError("\(option) is the file-system root; give a directory of its own")
        }
    }

    /// A directory lens writes whole (a report, a checkpoint); `carrying` as `AtomicDirectory.write`.
    static func checkDirectory(_ path: String, option: String, carrying: Set<String> = []) throws {
        try check(path, option: option)
        try Ownership.checkDirectory(path, carrying: carrying)
    }

    /// A file lens writes whole; `isOurs` recognises one it wrote before.
    static func checkFile(_ path: String, option: String, kind: String, isOurs: (Data) -> Bool) throws {
        try check(path, option: option)
        try Ownership.checkFile(path, kind: kind, isOurs: isOurs)
    }
}

/// Where an analysis command puts its results: a markdown report with its SVG charts in `--out`
/// (checked by `OutputPath` before any work), and markdown or `--json` on standard output.
struct ReportOutput: ParsableArguments {
    @Option(help: "Write a markdown report with its SVG charts into this directory.")
    var out: String?

    @Flag(help: "Print JSON instead of markdown.")
    var json = false

    func validate() throws {
        if let out { try OutputPath.checkDirectory(out, option: "--out") }
    }
}
