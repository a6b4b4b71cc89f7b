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

/// Issue 21, acceptance 4: a report's provenance line, run as a command by a shell, writes the same report.
extension CommandLineTests {
    /// The command between the backquotes of the "Produced by" line of a report.
    func provenanceCommand(_ report: String) throws -> String {
        let line = try #require(report.split(separator: "\n").first { $0.contains("Produced by `") })
        let start = try #require(line.range(of: "Produced by `")).upperBound
        return String(line[start...].prefix { $0 != "`" })
    }

    /// Runs `command` (which starts with `lens`) through /bin/sh, with the `lens` beside this test bundle first on PATH.
    func shell(_ command: String) throws -> Run {
        let path = Self.executables.path + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")
        return try run(URL(fileURLWithPath: "/bin/sh"), ["-c", command], environment: ["PATH": path])
    }

    @Test func boundReportsProvenanceLineRunAgainWritesTheSameReport() throws {
        let dir = try tunedPair()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let out = dir + "/bound report"
        let first = try lens(["bound", "--pretrained", dir + "/pretrained", "--finetuned", dir + "/tuned", "--tokens", dir + "/target.json",
                              "--n", "3", "--eps", "0.25", "--loss-bound", "6", "--steps", "8", "--rtol", "0.1", "--screening", "--out", out])
        #expect(first.status == 0, "\(first.stderr)")
        let report = try String(contentsOfFile: out + "/index.md", encoding: .utf8)
        try FileManager.default.removeItem(atPath: out)
        let again = try shell(try provenanceCommand(report))
        #expect(again.status == 0, "\(again.stderr)")
        #expect(try String(contentsOfFile: out + "/index.md", encoding: .utf8) == report)
    }

    @Test func curveReportsProvenanceLineRunAgainWritesTheSameReport() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lens-provenance-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let first = try lens(["report", "curves", "Tests/Fixtures/long.csv", "--out", dir])
        #expect(first.status == 0, "\(first.stderr)")
        let files = try FileManager.default.contentsOfDirectory(atPath: dir).sorted()
        let pages = try files.filter { $0.hasSuffix(".md") || $0.hasSuffix(".svg") }.map { try String(contentsOfFile: dir + "/" + $0, encoding: .utf8) }
        let command = try provenanceCommand(try #require(pages.first { $0.contains("Produced by `") }))
        try FileManager.default.removeItem(atPath: dir)
        let again = try shell(command)
        #expect(again.status == 0, "\(again.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir).sorted() == files)
        #expect(try files.filter { $0.hasSuffix(".md") || $0.hasSuffix(".svg") }.map { try String(contentsOfFile: dir + "/" + $0, encoding: .utf8) } == pages)
    }
}
