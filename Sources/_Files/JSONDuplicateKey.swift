import Foundation

/// The first key that appears twice in one JSON object. Foundation's readers keep the last value of a
/// repeated key without a word; a file that names a setting twice is ambiguous, and its readers refuse it.
/// Keys are compared as written (an escaped spelling of the same key is not caught).
public struct JSONDuplicateKey: Equatable, CustomStringConvertible {
    public var key: String
    public var line: Int
    public var column: Int

    public var description: String { "the key \"\(key)\" appears twice in one object (line \(line), column \(column))" }

    /// Scans `data`, meant to be valid JSON; on other bytes it answers without trapping, but the answer
    /// means little.
    /// - Complexity: O(bytes); memory the keys of the open objects.
    public static func first(in data: Data) -> JSONDuplicateKey? {
        data.withUnsafeBytes { (bytes: UnsafeRawBufferPointer) -> JSONDuplicateKey? in
            // One frame per open container: its keys so far (nil for an array) and whether a key comes next.
            var frames: [(keys: Set<[UInt8]>?, expectingKey: Bool)] = []
            var line = 1, lineStart = 0, i = 0
            while i < bytes.count {
                let byte = bytes[i]
                switch byte {
                case UInt8(ascii: "\n"): line += 1; lineStart = i + 1
                case UInt8(ascii: "{"): frames.append((keys: [], expectingKey: true))
                case UInt8(ascii: "["): frames.append((keys: nil, expectingKey: false))
                case UInt8(ascii: "}"), UInt8(ascii: "]"): if !frames.isEmpty { frames.removeLast() }
                case UInt8(ascii: ","): if frames.last?.keys != nil { frames[frames.count - 1].expectingKey = true }
                case UInt8(ascii: "\""):
                    let start = i
                    i += 1
                    while i < bytes.count && bytes[i] != UInt8(ascii: "\"") { i += bytes[i] == UInt8(ascii: "\\") ? 2 : 1 }
                    if let frame = frames.last, frame.keys != nil, frame.expectingKey {
                        let key = Array(bytes[(start + 1)..<min(i, bytes.count)])
                        if frame.keys!.contains(key) {
                            return JSONDuplicateKey(key: String(decoding: key, as: UTF8.self), line: line, column: start - lineStart + 1)
                        }
                        frames[frames.count - 1].keys!.insert(key)
                        frames[frames.count - 1].expectingKey = false
                    }
                default: break
                }
                i += 1
            }
            return nil
        }
    }
}
