import Foundation

/// The command line this process was started with, as a report's provenance line gives it: taken
/// from the actual arguments, so that every option given is there and running the line again
/// reproduces the report (issue 21's "provenance from the arguments").
public enum Invocation {
    /// `name` followed by this process's arguments, each quoted for a POSIX shell where it needs it.
    public static func command(_ name: String) -> String {
        ([name] + CommandLine.arguments.dropFirst().map(quoted)).joined(separator: " ")
    }

    /// `argument` as a shell reads it back: bare when it holds only characters no shell treats
    /// specially, else in single quotes (a single quote inside written as '\'').
    static func quoted(_ argument: String) -> String {
        let plain = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-./,=:+@%")
        if !argument.isEmpty && argument.unicodeScalars.allSatisfy({ plain.contains($0) }) { return argument }
        return "'" + argument.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
