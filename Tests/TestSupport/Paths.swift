import Foundation

/// Files the tests read: the project's own fixtures and goldens, and the data beside the project in
/// `../shared` (present in CI; the tests that need it skip with a message when it is absent).
public enum Paths {
    /// The package root.
    public static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
    /// `Tests/Fixtures/<name>`.
    public static func fixture(_ name: String) -> String { root.appendingPathComponent("Tests/Fixtures/\(name)").path }
    /// The published benchmark's CSVs (Rectified Scaling Law release).
    public static let benchmark = root.deletingLastPathComponent().appendingPathComponent("shared/benchmarks/rectified-scaling-law").path
    public static var hasBenchmark: Bool { FileManager.default.fileExists(atPath: benchmark + "/flan.csv") }
}

/// The PyTorch-made GPT-2 fixture beside the project (`../shared/fixtures/gpt2-tiny`).
public enum Fixture {
    public static let root = Paths.root.deletingLastPathComponent().appendingPathComponent("shared/fixtures/gpt2-tiny").path
    public static var present: Bool { FileManager.default.fileExists(atPath: root + "/golden.json") }
    /// golden.json, parsed.
    public static var golden: [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: root + "/golden.json")))) as? [String: Any] ?? [:]
    }
}
