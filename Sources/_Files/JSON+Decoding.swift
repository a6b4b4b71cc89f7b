import Foundation

/// A JSON file the toolkit reads into a `Decodable` type, with errors a person can act on: the file,
/// and the field that is missing or of the wrong type, in the document's own key names.
extension JSON {
    /// - Parameter kind: what the file should be, for the message ("a `lens ntk --out` file").
    /// - Parameter snakeCase: the document's keys are the snake case of the type's property names.
    /// - Parameter realKeys: the keys whose numbers may be negative or fractional; every other number
    ///   of the type is a count or a seed (a non-negative integer).
    public static func decode<T: Decodable>(_ type: T.Type, path: String, kind: String, snakeCase: Bool = false,
                                     realKeys: Set<String>) throws(FileError) -> T {
        try decode(type, from: fileContents(path), path: path, kind: kind, snakeCase: snakeCase, realKeys: realKeys)
    }

    /// The same for the bytes of a file; `path` names it in errors.
    public static func decode<T: Decodable>(_ type: T.Type, from data: Data, path: String, kind: String, snakeCase: Bool = false,
                                     realKeys: Set<String>) throws(FileError) -> T {
        let decoder = JSONDecoder()
        if snakeCase { decoder.keyDecodingStrategy = .convertFromSnakeCase }
        func field(_ path: [String]) -> String { Self.field(path, snakeCase: snakeCase) }
        do {
            let value = try decoder.decode(type, from: data)
            if let duplicate = JSONDuplicateKey.first(in: data) { throw FileError(path, "not \(kind): \(duplicate); give each key once") }
            return value
        } catch let error as FileError {
            throw error
        } catch let error as DecodingError {
            let reason: String
            switch error {
            case .keyNotFound(let key, let c): reason = "no \"\(field(c.codingPath.map(\.stringValue) + [key.stringValue]))\" field"
            case .typeMismatch(_, let c) where c.codingPath.isEmpty: reason = "expected a JSON object at the top level"
            case .typeMismatch(_, let c), .valueNotFound(_, let c): reason = "field \"\(field(c.codingPath.map(\.stringValue)))\" has the wrong type"
            case .dataCorrupted(let c) where c.codingPath.isEmpty:
                // swift-corelibs' decoder says "not valid JSON" also for valid JSON whose number does not fit an
                // integer field (a negative seed, n = 1.5): name the field when it is that.
                if let tree = try? JSONSerialization.jsonObject(with: data), let (key, value) = misfit(tree, path: "", realKeys: realKeys) {
                    reason = "field \"\(key)\" is \(value); it must be a non-negative integer"
                } else {
                    reason = "not JSON (\(c.debugDescription))"
                }
            case .dataCorrupted(let c): reason = "field \"\(field(c.codingPath.map(\.stringValue)))\": \(c.debugDescription)"
            @unknown default: reason = "\(error)"
            }
            throw FileError(path, "not \(kind): \(reason)")
        } catch {
            throw FileError(path, "not \(kind): \(error)")
        }
    }

    /// The first number (depth first, keys in sorted order) under a key not in `realKeys` that is negative
    /// or not integral, with its path as the document spells it.
    static func misfit(_ value: Any, path: String, key: String? = nil, realKeys: Set<String>) -> (String, String)? {
        switch value {
        case let object as [String: Any]:
            for name in object.keys.sorted() {
                if let found = misfit(object[name]!, path: path.isEmpty ? name : "\(path).\(name)", key: name, realKeys: realKeys) { return found }
            }
        case let array as [Any]:
            for (i, element) in array.enumerated() {
                if let found = misfit(element, path: "\(path)[\(i)]", key: key, realKeys: realKeys) { return found }
            }
        case let number as NSNumber where !isBoolean(number):
            let x = number.doubleValue
            if let key, !realKeys.contains(key), x < 0 || x != x.rounded() { return (path, "\(number)") }
        default: break
        }
        return nil
    }

    /// A coding path as the document spells it: array indices in brackets, keys in snake case if the
    /// document's are.
    static func field(_ path: [String], snakeCase: Bool) -> String {
        path.reduce("") { text, key in
            if let index = Int(key.replacingOccurrences(of: "Index ", with: "")) { return text + "[\(index)]" }
            let name = snakeCase ? key.reduce("") { $0 + ($1.isUppercase ? "_" + $1.lowercased() : String($1)) } : key
            return text.isEmpty ? name : text + "." + name
        }
    }
}
