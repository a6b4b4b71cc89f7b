/// An error a person can act on: where (file, and line and column when the problem is at one
/// place in it), and what was expected.
///
/// `curves.csv:14:3: expected a positive loss, found "nan" (model facebook/opt-350m, size 3200)`
public struct CurveError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The file, where the error is about one (the numerics throw without one; whoever read the
    /// curves from a file names it, `located(in:)`).
    public var file: String?
    public var line: Int?
    public var column: Int?
    public var message: String

    public init(_ file: String?, line: Int? = nil, column: Int? = nil, _ message: String) {
        self.file = file
        self.line = line
        self.column = column
        self.message = message
    }

    /// An error about curves, not about a place in a file.
    public init(_ message: String) { self.init(nil, message) }

    /// The error with `file` named, unless it names one already.
    public func located(in file: String) -> CurveError {
        var located = self
        located.file = self.file ?? file
        return located
    }

    public var description: String {
        guard var place = file else { return message }
        if let line { place += ":\(line)" }
        if let column { place += ":\(column)" }
        return "\(place): \(message)"
    }
}
