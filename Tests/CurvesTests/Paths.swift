import Foundation

/// Files the tests read: the project's own fixtures, and the shared benchmark beside the project
/// (present in CI; tests that need it are skipped with a message when it is absent).
enum Paths {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
    static func fixture(_ name: String) -> String { root.appendingPathComponent("Tests/Fixtures/\(name)").path }
    static let benchmark = root.deletingLastPathComponent().appendingPathComponent("shared/benchmarks/rectified-scaling-law").path
    static var hasBenchmark: Bool { FileManager.default.fileExists(atPath: benchmark + "/flan.csv") }
}
