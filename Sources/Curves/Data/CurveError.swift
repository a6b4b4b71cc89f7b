/// An error a person can act on: where (file, and line and column when the problem is at one
/// place in it), and what was expected.
///
/// `curves.csv:14:3: expected a positive loss, found "nan" (model facebook/opt-350m, size 3200)`
public struct CurveError: Error, CustomStringConvertible, Sendable, Equatable {
    public var file: String
    public var line: Int?
    public var column: Int?
    public var message: String

    public init(_ file: String, line: Int? = nil, column: Int? = nil, _ message: String) {
        self.file = file
        self.line = line
        self.column = column
        self.message = message
    }

    public var description: String {
        var place = file
        if let line { place += ":\(line)" }
        if let column { place += ":\(column)" }
        return "\(place): \(message)"
    }
}
