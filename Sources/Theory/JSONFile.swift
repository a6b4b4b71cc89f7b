import _Files
import Foundation
import Models

/// A JSON file the toolkit reads into a `Decodable` type, with errors a person can act on: the file,
/// and the field that is missing or of the wrong type, in the document's own key names.
enum JSONFile {
    /// - Parameter kind: what the file should be, for the message ("a `lens ntk --out` file").
    /// - Parameter snakeCase: the document's keys are the snake case of the type's property names.
    static func decode<T: Decodable>(_ type: T.Type, path: String, kind: String, snakeCase: Bool = false) throws(ModelFileError) -> T {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw ModelFileError(path, "cannot read the file (\(fileSystemReason(error, path: path)))")
        }
        let decoder = JSONDecoder()
        if snakeCase { decoder.keyDecodingStrategy = .convertFromSnakeCase }
        func field(_ path: [String]) -> String { Self.field(path, snakeCase: snakeCase) }
        do {
            let value = try decoder.decode(type, from: data)
            if let duplicate = JSONDuplicateKey.first(in: data) { throw ModelFileError(path, "not \(kind): \(duplicate); give each key once") }
            return value
        } catch let error as ModelFileError {
            throw error
        } catch let error as DecodingError {
            let reason: String
            switch error {
            case .keyNotFound(let key, let c): reason = "no \"\(field(c.codingPath.map(\.stringValue) + [key.stringValue]))\" field"
            case .typeMismatch(_, let c), .valueNotFound(_, let c): reason = "field \"\(field(c.codingPath.map(\.stringValue)))\" has the wrong type"
            case .dataCorrupted(let c): reason = c.codingPath.isEmpty ? "not JSON (\(c.debugDescription))" : "field \"\(field(c.codingPath.map(\.stringValue)))\": \(c.debugDescription)"
            @unknown default: reason = "\(error)"
            }
            throw ModelFileError(path, "not \(kind): \(reason)")
        } catch {
            throw ModelFileError(path, "not \(kind): \(error)")
        }
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
