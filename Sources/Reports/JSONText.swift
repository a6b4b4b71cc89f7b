import Foundation

/// JSON for reports and command output, one renderer for all of them.
public enum JSONText {
    /// Pretty, key-sorted JSON; non-finite numbers (which JSON cannot hold) become null.
    public static func render(_ object: Any) -> String {
        func clean(_ value: Any) -> Any {
            switch value {
            case let d as Double: return d.isFinite ? d : NSNull()
            case let a as [Any]: return a.map(clean)
            case let o as [String: Any]: return o.mapValues(clean)
            default: return value
            }
        }
        // Only strings, numbers, arrays, dictionaries and null reach here, so this cannot throw.
        let data = (try? JSONSerialization.data(withJSONObject: clean(object), options: [.prettyPrinted, .sortedKeys])) ?? Data("null".utf8)
        return String(decoding: data, as: UTF8.self) + "\n"
    }
}
