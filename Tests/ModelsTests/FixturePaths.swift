import Foundation

/// The PyTorch-made GPT-2 fixture beside the project (CI has it; tests skip with a message without it).
enum Fixture {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("shared/fixtures/gpt2-tiny").path
    static var present: Bool { FileManager.default.fileExists(atPath: root + "/golden.json") }
    static var golden: [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: root + "/golden.json")))) as? [String: Any] ?? [:]
    }
}
