import Foundation
import Testing

/// Issue 19, class 3: a report's "Produced by" line is the command as it was run, every option in it,
/// and the notes on stderr describe each split as it is.
extension CommandLineTests {
    @Test func provenanceIsTheCommandAsRunAndSplitsAreDescribedAsTheyAre() throws {
        let dir = try tunedPair()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // Training sequences of 8 tokens, test sequences of 4.
        try #"{"train": [[1, 2, 3, 4, 5, 6, 7, 8], [2, 3, 4, 5, 6, 7, 8, 9]], "test": [[1, 2, 3, 4], [5, 6, 7, 8], [9, 10, 11, 12]]}"#
            .write(toFile: dir + "/mixed.json", atomically: true, encoding: .utf8)
        let arguments = ["bound", "--pretrained", dir + "/pretrained", "--finetuned", dir + "/tuned", "--tokens", dir + "/mixed.json",
                         "--n", "5", "--eps", "0.2", "--loss-bound", "4.5", "--steps", "6", "--out", dir + "/report with space"]
        let run = try lens(arguments)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stderr.contains("2 training sequences of 8 tokens and 3 test sequences of 4"), "\(run.stderr)")
        let quoted = arguments.map { $0.contains(" ") ? "'\($0)'" : $0 }.joined(separator: " ")
        let index = try String(contentsOfFile: dir + "/report with space/index.md", encoding: .utf8)
        #expect(index.contains("Produced by `lens \(quoted)` (LensLLM toolkit)"), "\(index.prefix(400))")
        #expect(run.stdout.contains("Produced by `lens \(quoted)`"))
    }
}
