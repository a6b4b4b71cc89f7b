import Foundation

/// Arguments that are not UTF-8. Swift decodes `argv` with U+FFFD in place of invalid bytes, so a path
/// such as `$'out\xffdir'` would name another file than the one given; a command refuses it instead.
public enum ArgumentEncoding {
    /// Exits with status 64 (a usage error) and one line on standard error when an argument of this
    /// process is not valid UTF-8.
    public static func requireUTF8() {
        for index in 1..<Int(CommandLine.argc) {
            guard let raw = CommandLine.unsafeArgv[index], String(validatingCString: raw) == nil else { continue }
            let shown = String(decoding: UnsafeRawBufferPointer(start: raw, count: strlen(raw)), as: UTF8.self)
            FileHandle.standardError.write(Data("Error: argument \(index) (\"\(shown)\", invalid bytes shown as \u{FFFD}) is not valid UTF-8; lens reads paths and options as UTF-8\n".utf8))
            exit(64)
        }
    }
}
