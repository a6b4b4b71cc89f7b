import Curves
import Foundation
import Testing
import _Files

/// Issue 19, class 2: inputs that used to trap, abort in the allocator or overflow now end in a
/// one-line error (or a result), never a stack dump.
extension CommandLineTests {
    // Identical flat curves in every command that selects; a benchmark CSV with one model.
    @Test func flatCurvesAndSingleModelsDoNotTrap() throws {
        let dir = try temporaryDirectory("flat")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let sizes = [0] + (0..<14).map { 200 * (1 << $0) }
        var flat = "model," + sizes.map(String.init).joined(separator: ",") + ",size\n"
        for model in ["a", "b", "c"] { flat += model + ",3" + String(repeating: ",2", count: 14) + ",1e8\n" }
        try FileManager.default.createDirectory(atPath: dir + "/flat", withIntermediateDirectories: true)
        try flat.write(toFile: dir + "/flat/flan.csv", atomically: true, encoding: .utf8)
        for arguments in [["select", "flat/flan.csv", "--budget", "3200", "--target", "1638400"], ["benchmark", "flat"], ["bench", "curves", "flat", "--repeats", "1"]] {
            let run = try lens(arguments, in: dir)
            #expect(run.status == 0 && !run.stderr.contains("Fatal error"), "\(arguments): \(run.stderr)")
        }
        let select = try lens(["select", "flat/flan.csv", "--budget", "3200", "--target", "1638400"], in: dir)
        // Flat curves have no bend to scale an error by: no interval and no odds, rather than a false certainty.
        let rows = select.stdout.split(separator: "\n").filter { $0.hasPrefix("| 2 |") }
        #expect(rows.count == 3 && rows.allSatisfy { $0.contains("| - | - |") }, "\(select.stdout)")

        try FileManager.default.createDirectory(atPath: dir + "/one", withIntermediateDirectories: true)
        try flat.split(separator: "\n").prefix(2).joined(separator: "\n").write(toFile: dir + "/one/flan.csv", atomically: true, encoding: .utf8)
        expectOneLineError(try lens(["benchmark", "one"], in: dir), containing: "holds 1 model; the benchmark scores a selection among at least 2")
    }

    // Sizes that would abort in the allocator, and fine-tuning settings that diverge or overflow.
    @Test func requestsBeyondTheMachineAndDivergentSettingsAreRefused() throws {
        let dir = try corollaryInputs()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let tooBig: [[String]] = [
            ["init", "--vocabulary", "2000000000", "--channels", "4096", "--heads", "4", "--out", dir + "/big"],
            ["corpus", "--sequences", "100000000000", "--out", dir + "/big.json"],
            ["bench", "lanczos", "--n", "10000000000"],
            ["bench", "quadrature", "--n", "100000000"],
            ["bench", "hvp", "--vocabulary", "100000000"],
            ["bench", "bound", "--vocabulary", "1000000000"],
        ]
        for arguments in tooBig { expectOneLineError(try lens(arguments), containing: "more than this machine's") }
        let corollary = ["corollary", "--pretrained", dir + "/pretrained", "--tokens", dir + "/target.json", "--sizes", "2,4",
                         "--steps", "4", "--trace-budget", "3"]
        for (extra, message) in [(["--lr", "1e10"], "fine-tuning on n = 2 diverged"), (["--weight-decay", "1e300"], "fine-tuning on n = 2 diverged"),
                                 (["--lr", "inf"], "--lr must be a finite learning rate > 0"),
                                 (["--epochs", "1e300"], "at most 2^31 steps"),
                                 (["--epochs", "2", "--finetune-steps", "3"], "give --finetune-steps or --epochs, not both")] {
            let run = try lens(corollary + extra)
            #expect(run.status != 0 && run.stderr.contains(message) && !run.stderr.contains("Fatal error"), "\(extra): \(run.stderr)")
        }
        // A run whose loss explodes while staying finite is divergence too: no checkpoint.
        let run = try lens("finetune", "--from", dir + "/pretrained", "--tokens", dir + "/target.json", "--steps", "20", "--lr", "1000",
                           "--out", dir + "/exploded")
        expectOneLineError(run, containing: "fine-tuning diverged")
        #expect(!run.stderr.contains("Usage"), "a runtime failure is not a usage error")
        #expect(!FileManager.default.fileExists(atPath: dir + "/exploded"))
        #expect(throws: MachineMemory.Exceeded.self) { try MachineMemory.require(2 * MachineMemory.bytes, for: "x", remedy: "y") }
        #expect(throws: Never.self) { try MachineMemory.require(MachineMemory.bytes / 2, for: "x", remedy: "y") }
    }

    // lens ntk holds m per-sequence gradients of P parameters: enough short sequences to exceed the machine
    // are refused before any gradient, naming --sequences (the count is taken from this machine's memory).
    @Test func tangentKernelsBeyondTheMachineAreRefused() throws {
        let dir = try temporaryDirectory("ntk-memory")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let made = try lens("init", "--layers", "1", "--channels", "64", "--heads", "2", "--positions", "2", "--vocabulary", "16000", "--out", dir + "/wide")
        #expect(made.status == 0, "\(made.stderr)")
        let (vocabulary, width, positions): (Double, Double, Double) = (16_000, 64, 2)
        let parameters: Double = vocabulary * width + positions * width + 12 * width * width + 13 * width + 2 * width
        let needed: Double = 1.2 * MachineMemory.bytes / (8 * parameters)
        let sequences = Int(needed.rounded(.up))
        let corpus = try lens("corpus", "--vocabulary", "16000", "--length", "2", "--sequences", "\(sequences)", "--out", dir + "/t.json")
        #expect(corpus.status == 0, "\(corpus.stderr)")
        let run = try lens("ntk", "--checkpoint", dir + "/wide", "--tokens", dir + "/t.json", "--lr", "0.01", "--steps", "1")
        expectOneLineError(run, containing: "the tangent kernel of \(sequences) sequences: about")
        #expect(run.stderr.contains("give --sequences M to use the first M"))
    }

    // Progress on a closed or full stderr is lost, not a trap.
    @Test func closedOrFullStandardErrorDoesNotStopTheWork() throws {
        let dir = try corollaryInputs()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
            .appendingPathComponent("lens").path
        for redirect in ["2>&-", "2>/dev/full"] {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/bin/bash")
            process.arguments = ["-c", "exec \"$0\" corollary --pretrained \"$1/pretrained\" --tokens \"$1/target.json\" --sizes 2,4 "
                                 + "--finetune-steps 2 --steps 4 --trace-budget 3 --json \(redirect)", executable, dir]
            let out = Pipe()
            process.standardOutput = out
            try process.run()
            let json = out.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            #expect(process.terminationStatus == 0, "\(redirect)")
            #expect((try? JSONSerialization.jsonObject(with: json)) != nil, "\(redirect): the answer is on stdout whole")
        }
    }
}
