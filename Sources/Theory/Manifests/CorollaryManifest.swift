import _Files
import Foundation
import Models

/// A list of existing fine-tuned checkpoints for a Corollary 1 study, one per line after the header
/// `n,finetuned`: the number of training samples the checkpoint was fine-tuned on (the first n of the
/// training split) and its directory, relative to the manifest's own directory unless absolute.
///
///     n,finetuned
///     64,runs/n64
///     128,runs/n128
public struct CorollaryManifest: Sendable {
    public var entries: [(n: Int, finetuned: String)]

    /// - Throws: `FileError` naming the file and line: a missing or different header, a line
    ///   without two fields, an n that is not a positive integer, sizes not strictly increasing, no entries.
    public static func read(path: String) throws(FileError) -> CorollaryManifest {
        try parse(fileContents(path), path: path)
    }

    /// The bytes of a manifest (`read(path:)`); `path` names it in errors and anchors relative directories.
    /// Lines end in LF or CRLF.
    public static func parse(_ data: Data, path: String) throws(FileError) -> CorollaryManifest {
        guard let text = String(data: data, encoding: .utf8) else { throw FileError(path, "not UTF-8 text") }
        // Character.isNewline: "\r\n" is one Character in Swift, which a split on "\n" would not see.
        let lines = text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
        guard let header = lines.first, header.replacingOccurrences(of: " ", with: "") == "n,finetuned" else {
            throw FileError(path, "line 1: expected the header `n,finetuned`")
        }
        let base = URL(fileURLWithPath: path).deletingLastPathComponent()
        var entries: [(n: Int, finetuned: String)] = []
        for (index, line) in lines.enumerated().dropFirst() where !line.isEmpty {
            let fields = line.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            guard fields.count == 2, !fields[1].isEmpty else {
                throw FileError(path, "line \(index + 1): expected `n,finetuned`, found `\(line)`")
            }
            guard let n = Int(fields[0]), n >= 1 else {
                throw FileError(path, "line \(index + 1): n must be a positive integer, found `\(fields[0])`")
            }
            if let last = entries.last, n <= last.n {
                throw FileError(path, "line \(index + 1): n = \(n) does not exceed the previous \(last.n); list the sizes in increasing order")
            }
            let directory = fields[1].hasPrefix("/") ? fields[1] : base.appendingPathComponent(fields[1]).path
            entries.append((n, directory))
        }
        guard !entries.isEmpty else { throw FileError(path, "no checkpoints listed after the header") }
        return CorollaryManifest(entries: entries)
    }

    /// Reads every listed checkpoint's `config.json` (not its weights) and checks it against the
    /// pretrained checkpoint's, so that a bad entry is an error before a long run, not in the middle.
    public func checkArchitectures(against config: GPT2Config, pretrained: String) throws(FileError) {
        for entry in entries { try CheckpointPair.checkArchitecture(of: entry.finetuned, is: config, pretrained: pretrained) }
    }
}
