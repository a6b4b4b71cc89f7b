/// A one-line error for a run whose result is not one (ArgumentParser prints no usage for it).
struct RunError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
