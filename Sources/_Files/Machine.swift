import Foundation

/// The machine a report was produced on, for its provenance line.
public enum Machine {
    /// The processor's model name from `/proc/cpuinfo` ("an unknown processor" where it is not there).
    public static var processor: String {
        let info = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        return info.split(separator: "\n").first { $0.hasPrefix("model name") }?.split(separator: ":").last?
            .trimmingCharacters(in: .whitespaces) ?? "an unknown processor"
    }

    /// "<processor>, <n> logical CPUs".
    public static var description: String { "\(processor), \(ProcessInfo.processInfo.activeProcessorCount) logical CPUs" }
}
