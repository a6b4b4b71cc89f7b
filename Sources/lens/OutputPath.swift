import ArgumentParser
import Foundation

/// Destinations the commands refuse before doing any work: an empty path (which resolves to the
/// working directory's parent chain in surprising ways) and the file-system root.
enum OutputPath {
    static func check(_ path: String, option: String) throws {
        let trimmed = path.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty else { throw ValidationError("\(option) is empty; give a file or directory to write") }
        guard URL(fileURLWithPath: trimmed).standardizedFileURL.path != "/" else {
            throw ValidationError("\(option) is the file-system root; give a directory of its own")
        }
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
        if let out { try OutputPath.check(out, option: "--out") }
    }
}
