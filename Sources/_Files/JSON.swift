import Foundation

/// JSON in and out, one way for the whole toolkit: values and `Encodable` types written with sorted keys
/// (pretty for people, compact inside binary formats; numbers JSON cannot hold as null), documents
/// parsed into `JSONSerialization`'s tree or decoded into `Decodable` types with errors that name the
/// file and the field in the document's own key names.
public enum JSON {
    /// Sorted-key JSON of `object` (strings, numbers, booleans, arrays, dictionaries, `NSNull`); non-finite
    /// numbers become null.
    public static func data(_ object: Any, pretty: Bool = true) -> Data {
        func clean(_ value: Any) -> Any {
            switch value {
            case let d as Double: return d.isFinite ? d : NSNull()
            case let a as [Any]: return a.map(clean)
            case let o as [String: Any]: return o.mapValues(clean)
            default: return value
            }
        }
        let options: JSONSerialization.WritingOptions = pretty ? [.prettyPrinted, .sortedKeys] : [.sortedKeys]
        // Only JSON's own kinds of value reach here, so this cannot throw.
        return (try? JSONSerialization.data(withJSONObject: clean(object), options: options)) ?? Data("null".utf8)
    }

    /// `data(object)` as text with a final newline: reports and command output.
    public static func render(_ object: Any) -> String { String(decoding: data(object), as: UTF8.self) + "\n" }

    /// An `Encodable` value the same way: pretty, sorted keys (snake case when asked), a final newline.
    public static func encode<T: Encodable>(_ value: T, snakeCase: Bool = false) -> String {
        let encoder = JSONEncoder()
        if snakeCase { encoder.keyEncodingStrategy = .convertToSnakeCase }
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: (try? encoder.encode(value)) ?? Data("null".utf8), as: UTF8.self) + "\n"
    }

    /// The document's tree, or the parser's reason it is not JSON.
    public static func parse(_ data: Data) -> Result<Any, ParseFailure> {
        do { return .success(try JSONSerialization.jsonObject(with: data)) } catch { return .failure(ParseFailure(reason: jsonReason(error))) }
    }

    public struct ParseFailure: Error { public var reason: String }

    /// Whether a value of a parsed tree was a JSON true or false. Foundation hands numbers and booleans
    /// back as NSNumber, and `is Bool` holds for any number that is 0 or 1; a boolean's type encoding is "c".
    public static func isBoolean(_ value: Any) -> Bool {
        guard let number = value as? NSNumber else { return false }
        return String(cString: number.objCType) == "c"
    }
}
