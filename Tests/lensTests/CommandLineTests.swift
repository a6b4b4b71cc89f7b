import Foundation
import Models
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
        #expect(run.status != 0 && run.stderr.contains("Please provide one of 'residual', 'broken', 'corollary' or 'all'"), "\(run.stderr)")
    }

    static let gigaword = "../shared/benchmarks/rectified-scaling-law/gigaword.csv"

    // lensllm says which design it chose and the held-back errors that chose it, in both formats;
    // at Gigaword's smallest budget the straight curves choose the shrunk lines.
    @Test(.enabled(if: FileManager.default.fileExists(atPath: root.path + "/" + gigaword), "../shared is absent"))
    func selectReportsLensllmsDesignAndItsEvidence() throws {
        let json = try lens("select", Self.gigaword, "--budget", "3200", "--target", "1638400", "--json")
        #expect(json.status == 0, "\(json.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect(object["design"] as? String == "F = 0, shrunk exponents")
        let heldBack = try #require(object["held_back_error"] as? [String: Any])
        let (shared, shrunk) = (try #require(heldBack["shared_exponent"] as? Double), try #require(heldBack["shrunk_exponents"] as? Double))
        #expect(heldBack["folds"] as? Int == 2 && shrunk < shared)
        let markdown = try lens("select", Self.gigaword, "--budget", "3200", "--target", "1638400")
        #expect(markdown.stdout.contains("lensllm design: F = 0, shrunk exponents (held-back error over 2 fold(s)"))
    }

    @Test func transitionJSONIsValidAndNamesEveryModel() throws {
        let run = try lens("transition", "Tests/Fixtures/wide-quoted.csv", "--method", "residual", "--json")
        #expect(run.status == 0, "\(run.stderr)")
        let parsed = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [[String: Any]])
        #expect(parsed.compactMap { $0["model"] as? String } == ["org/model, with comma", "plain"])
    }

    /// The rows of a markdown table in `text` whose first cell is one of `keys`, split into cells.
    func tableRows(_ text: String, keys: [String]) -> [String: [String]] {
        var rows: [String: [String]] = [:]
        for line in text.split(separator: "\n") where line.hasPrefix("| ") {
            let cells = line.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
            if let key = cells.first, keys.contains(key) { rows[key] = cells }
        }
        return rows
    }

    // Both halves of the demo: the curve reports, and a tiny GPT-2 whose checkpoints load as a pair,
    // whose pretraining and fine-tuning lowered the loss, and whose per-block table `lens hessian`
    // reproduces from the files the demo wrote, with each estimate inside its certified interval.
    @Test func demoRunsEndToEndAndWritesItsReports() throws {
        let out = NSTemporaryDirectory() + "lens-demo-\(UUID().uuidString)"
        let run = try lens("demo", "--out", out)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("3. Selection"))
        #expect(FileManager.default.fileExists(atPath: out + "/curves/index.md"))

        let gpt2 = out + "/gpt2"
        let pair = try CheckpointPair.load(pretrained: gpt2 + "/pretrained", finetuned: gpt2 + "/finetuned")
        #expect(pair.direction.contains { $0 != 0 })
        let losses = run.stdout.split(separator: "\n").filter { $0.contains("AdamW steps") || $0.contains("fine-tuned on the shifted") }
            .compactMap { line -> (Double, Double)? in
                guard let range = line.range(of: #"loss ([0-9.]+) -> ([0-9.]+)"#, options: .regularExpression) else { return nil }
                let numbers = line[range].dropFirst(5).components(separatedBy: " -> ").compactMap { Double($0) }
                return numbers.count == 2 ? (numbers[0], numbers[1]) : nil
            }
        #expect(losses.count == 2 && losses.allSatisfy { $0.1 < $0.0 }, "losses \(losses)")

        let blocks = pair.finetuned.layout.blocks.map(\.name)
        let printed = tableRows(run.stdout, keys: blocks)
        #expect(printed.count == blocks.count, "\(run.stdout)")
        let hessian = try lens("hessian", "--pretrained", gpt2 + "/pretrained", "--finetuned", gpt2 + "/finetuned",
                               "--tokens", gpt2 + "/tokens.json", "--split", "heldout", "--steps", "40", "--top", "1", "--seed", "7")
        #expect(hessian.status == 0, "\(hessian.stderr)")
        let again = tableRows(hessian.stdout, keys: blocks)
        for block in blocks {
            let row = try #require(printed[block])
            // Cells: block, parameters, vHv, estimate, interval, steps, top eigenvalue, HVPs.
            #expect(row == again[block], "\(block): the demo printed \(row), lens hessian \(String(describing: again[block]))")
            let estimate = try #require(Double(row[3]))
            let ends = row[4].trimmingCharacters(in: CharacterSet(charactersIn: "[]")).components(separatedBy: ", ").compactMap(Double.init)
            #expect(ends.count == 2 && ends[0] <= estimate && estimate <= ends[1] && estimate >= 0, "\(block): \(row)")
        }
    }

    // The benchmarks run end to end on tiny sizes and print their measurements and baselines.
    @Test func benchmarksRunAndReportAgainstTheirBaselines() throws {
        let lanczos = try lens("bench", "lanczos", "--n", "60", "--timing-dimension", "40")
        #expect(lanczos.status == 0, "\(lanczos.stderr)")
        #expect(lanczos.stdout.contains("geometric 0.95^i") && lanczos.stdout.contains("cblas_dsymv"))
        let hvp = try lens("bench", "hvp", "--layers", "1", "--channels", "8", "--heads", "2", "--context", "4",
                           "--vocabulary", "16", "--batch", "2", "--repeats", "1")
        #expect(hvp.status == 0, "\(hvp.stderr)")
        for line in ["loss", "gradient", "HVP, repeated on one batch", "HVP on one block", "dgemm on the same shapes"] {
            #expect(hvp.stdout.contains(line), "missing \(line): \(hvp.stdout)")
        }
        let bad = try lens("bench", "hvp", "--channels", "10", "--heads", "3")
        #expect(bad.status != 0 && bad.stderr.contains("--channels a multiple of --heads"))
    }

    static let fixture = root.deletingLastPathComponent().appendingPathComponent("shared/fixtures/gpt2-tiny").path

    // Acceptance 9 of the GPT-2 issue: the user's entry point reproduces the golden block forms.
    @Test(.enabled(if: FileManager.default.fileExists(atPath: fixture + "/golden.json"), "fixture absent"))
    func hessianCommandReportsTheGoldenBlockQuadraticForms() throws {
        let f = Self.fixture
        let run = try lens("hessian", "--pretrained", f + "/pretrained", "--finetuned", f + "/finetuned",
                           "--tokens", f + "/tokens.json", "--steps", "20", "--json")
        #expect(run.status == 0, "\(run.stderr)")
        let out = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        let golden = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: f + "/golden.json"))) as? [String: Any])
        let blocks = try #require(out["blocks"] as? [[String: Any]])
        let want = try #require(golden["vHv_block"] as? [String: Double])
        for b in blocks {
            let name = try #require(b["block"] as? String), vHv = try #require(b["vHv"] as? Double)
            #expect(abs(vHv - want[name]!) <= 1e-8 * max(1, abs(want[name]!)), "\(name): \(vHv)")
            let interval = try #require(b["vHplusv_interval"] as? [Double])
            #expect(interval[0] <= (b["vHplusv"] as! Double) && (b["vHplusv"] as! Double) <= interval[1])
        }
        #expect(abs((out["loss"] as! Double) - (golden["loss_train"] as! Double)) <= 1e-10 * 3.2)
    }

    @Test func hessianCommandNamesAMissingCheckpoint() throws {
        expectOneLineError(try lens("hessian", "--pretrained", "/no/pre", "--finetuned", "/no/ft", "--tokens", "/no/t.json"),
                           containing: "/no/pre/config.json: cannot read a JSON object")
    }
}
