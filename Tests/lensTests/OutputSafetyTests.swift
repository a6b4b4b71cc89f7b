import Curves
import Foundation
import Testing

/// Issue 19, class 1: lens replaces only what it wrote. A report or checkpoint directory is replaced
/// when it is absent, empty, or marked by lens (`.lens-written`) and holding nothing else; a single
/// file only when lens wrote it; the working directory, a command's own input and an argument that is
/// not UTF-8 are refused before any work.
extension CommandLineTests {
    func temporaryDirectory(_ name: String) throws -> String {
        let dir = NSTemporaryDirectory() + "lens-\(name)-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    @Test func reportCommandsNeverDeleteWhatLensDidNotWrite() throws {
        let dir = try temporaryDirectory("own")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let csv = SyntheticCurves.wideCSV(SyntheticCurves.candidates(count: 6, seed: 1))
        try FileManager.default.createDirectory(atPath: dir + "/data", withIntermediateDirectories: true)
        try csv.write(toFile: dir + "/data/curves.csv", atomically: true, encoding: .utf8)
        let before = try files(under: dir)

        // The command's own input directory, the working directory and its parent, a user's folder.
        try FileManager.default.createDirectory(atPath: dir + "/mine", withIntermediateDirectories: true)
        try "notes".write(toFile: dir + "/mine/notes.md", atomically: true, encoding: .utf8)
        let refusals: [([String], String)] = [
            (["benchmark", "data", "--out", "data"], "holds files lens did not write (curves.csv)"),
            (["report", "curves", "data/curves.csv", "--out", "."], "is the working directory or one of its parents"),
            (["report", "curves", "data/curves.csv", "--out", ".."], "is the working directory or one of its parents"),
            (["report", "curves", "data/curves.csv", "--out", "mine"], "holds files lens did not write (notes.md)"),
            (["report", "curves", "data/curves.csv", "--out", "data/curves.csv"], "is a file, not a directory"),
            (["init", "--out", "mine"], "holds files lens did not write (notes.md)"),
            (["corpus", "--out", "mine/notes.md"], "exists and is not a token file lens wrote"),
            // Checked before any work: the checkpoints named here do not even exist.
            (["bound", "--pretrained", "none", "--finetuned", "none", "--tokens", "none", "--out", "data/curves.csv"], "is a file, not a directory"),
            (["corollary", "--pretrained", "none", "--tokens", "none", "--out", "mine"], "holds files lens did not write (notes.md)"),
            (["report", "--manifest", "none", "--out", "data"], "holds files lens did not write (curves.csv)"),
        ]
        for (arguments, message) in refusals {
            let run = try lens(arguments, in: dir)
            expectOneLineError(run, containing: message)
        }
        var expected = before
        expected["mine/notes.md"] = Data("notes".utf8)
        #expect(try files(under: dir) == expected, "a refused command changed nothing")

        // lens replaces its own report; once a user's file is in it, no longer.
        for _ in 0..<2 {
            let run = try lens(["report", "curves", "data/curves.csv", "--out", "report"], in: dir)
            #expect(run.status == 0, "\(run.stderr)")
        }
        let marker = try String(contentsOfFile: dir + "/report/.lens-written", encoding: .utf8)
        #expect(marker.contains("\nindex.md\n"))
        try "mine".write(toFile: dir + "/report/notes.md", atomically: true, encoding: .utf8)
        expectOneLineError(try lens(["report", "curves", "data/curves.csv", "--out", "report"], in: dir),
                           containing: "holds files lens did not write (notes.md)")
        #expect(try String(contentsOfFile: dir + "/report/notes.md", encoding: .utf8) == "mine")

        // A token file and a checkpoint lens wrote are replaced; an empty directory is taken.
        try FileManager.default.createDirectory(atPath: dir + "/empty", withIntermediateDirectories: true)
        for arguments in [["corpus", "--out", "tokens.json"], ["corpus", "--out", "tokens.json", "--seed", "2"],
                          ["init", "--out", "empty"], ["init", "--out", "empty", "--seed", "2"]] {
            let run = try lens(arguments, in: dir)
            #expect(run.status == 0, "\(arguments): \(run.stderr)")
        }
    }

    // proofs-checks: its report replaces only a report it wrote; a benchmark directory given must hold
    // both data sets the claims speak of; both refused before any check runs.
    @Test func proofsChecksRefusesForeignOutputAndIncompleteBenchmarks() throws {
        let dir = try temporaryDirectory("proofs")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "mine".write(toFile: dir + "/notes.md", atomically: true, encoding: .utf8)
        try FileManager.default.createDirectory(atPath: dir + "/bench", withIntermediateDirectories: true)
        try "model,200\na,1\n".write(toFile: dir + "/bench/flan.csv", atomically: true, encoding: .utf8)
        let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
            .appendingPathComponent("proofs-checks")
        for (arguments, message) in [(["--quick", "--out", dir + "/notes.md"], "exists and is not a proofs-checks report lens wrote"),
                                     (["--quick", "--benchmark", dir + "/bench"], "no gigaword.csv; the paper's benchmark claims are checked on FLAN and Gigaword")] {
            let process = Process()
            process.executableURL = executable
            process.arguments = arguments
            let err = Pipe()
            (process.standardOutput, process.standardError) = (FileHandle.nullDevice, err)
            try process.run()
            let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            #expect(process.terminationStatus != 0 && stderr.contains(message), "\(arguments): \(stderr)")
        }
        #expect(try String(contentsOfFile: dir + "/notes.md", encoding: .utf8) == "mine")
    }

    // An argument that is not UTF-8 would name another path (Swift decodes it with U+FFFD): refused.
    @Test func argumentsThatAreNotUTF8AreRefused() throws {
        let dir = try temporaryDirectory("utf8")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
            .appendingPathComponent("lens").path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = ["-c", "exec \"$0\" report curves \"$1\" --out $'out\\xffdir'", executable,
                             Self.root.path + "/Tests/Fixtures/wide-quoted.csv"]
        process.currentDirectoryURL = URL(fileURLWithPath: dir)
        let err = Pipe()
        process.standardError = err
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let message = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 64 && message.contains("is not valid UTF-8"), "\(message)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir).isEmpty)
    }
}
