import Foundation
import Testing

/// The `lens` executable as a person uses it: answers on stdout, and for bad input a single-line
/// error on stderr with a non-zero exit, never a crash or a stack trace.
struct CommandLineTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    struct Run { var status: Int32; var stdout: String; var stderr: String }

    /// Runs the `lens` built beside this test bundle.
    func lens(_ arguments: String...) throws -> Run {
        let directory = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
        let process = Process()
        process.executableURL = directory.appendingPathComponent("lens")
        process.arguments = arguments
        process.currentDirectoryURL = Self.root
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Run(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
                   stderr: String(decoding: stderr, as: UTF8.self))
    }

    func expectOneLineError(_ run: Run, containing text: String) {
        #expect(run.status != 0)
        let lines = run.stderr.split(separator: "\n")
        #expect(lines.count == 1, "stderr: \(run.stderr)")
        #expect(run.stderr.contains(text), "stderr: \(run.stderr)")
        #expect(!run.stderr.contains("Fatal error") && !run.stderr.contains("Backtrac"))
    }

    @Test func badLossGetsALocatedOneLineError() throws {
        let run = try lens("transition", "Tests/Fixtures/nan.csv")
        expectOneLineError(run, containing: "Tests/Fixtures/nan.csv:2:4: expected a positive loss, found \"nan\" (model m, size 400)")
        #expect(run.stdout.isEmpty)
    }

    @Test func missingFileGetsAOneLineError() throws {
        expectOneLineError(try lens("fit", "no-such.csv", "--law", "vanilla"), containing: "no-such.csv: cannot read the file")
    }

    @Test func tooFewPointsForTheMethodGetsAOneLineError() throws {
        expectOneLineError(try lens("transition", "Tests/Fixtures/too-few-points.csv", "--method", "broken"),
                           containing: "has 3 points; the broken method needs at least 5")
    }

    @Test func unknownModelAndUnknownMethodAreRejected() throws {
        expectOneLineError(try lens("fit", "Tests/Fixtures/long.csv", "--law", "vanilla", "--model", "zzz"),
                           containing: "no model named \"zzz\"")
        let run = try lens("transition", "Tests/Fixtures/long.csv", "--method", "magic")
        #expect(run.status != 0 && run.stderr.contains("--method must be residual, broken, corollary or all"))
    }

    @Test func transitionJSONIsValidAndNamesEveryModel() throws {
        let run = try lens("transition", "Tests/Fixtures/wide-quoted.csv", "--method", "residual", "--json")
        #expect(run.status == 0, "\(run.stderr)")
        let parsed = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [[String: Any]])
        #expect(parsed.compactMap { $0["model"] as? String } == ["org/model, with comma", "plain"])
    }

    @Test func demoRunsEndToEndAndWritesItsReports() throws {
        let out = NSTemporaryDirectory() + "lens-demo-\(UUID().uuidString)"
        let run = try lens("demo", "--out", out)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("3. Selection"))
        #expect(FileManager.default.fileExists(atPath: out + "/curves/index.md"))
    }
}
