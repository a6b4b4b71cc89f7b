import ArgumentParser
import Foundation
import Reports
import _Files

/// `proofs-checks`: one executable numerical check per claim of LensLLM (Zeng et al., ICML 2025), each
/// ending in a verdict line. The full run writes reports/proofs-checks.md; --quick runs smaller models
/// for CI and prints the verdicts.
struct ProofsChecks: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "proofs-checks",
                                                    abstract: "A verdict on each claim of the LensLLM paper, from the toolkit's own measurements.")

    @Flag(help: "Smaller models and fewer draws (CI).")
    var quick = false

    @Option(help: "The Rectified Scaling Law benchmark directory.")
    var benchmark = "../shared/benchmarks/rectified-scaling-law"

    @Option(help: "The PyTorch GPT-2 fixture directory.")
    var fixture = "../shared/fixtures/gpt2-tiny"

    @Option(help: "Write the markdown report here (default: reports/proofs-checks.md for the full run, nothing for --quick).")
    var out: String?

    static let title = "# The LensLLM paper's claims, checked\n"

    /// Where the report goes: `--out`, or reports/proofs-checks.md for the full run.
    var destination: String? { out ?? (quick ? nil : "reports/proofs-checks.md") }

    func validate() throws {
        if let out, out.trimmingCharacters(in: .whitespaces).isEmpty { throw ValidationError("--out is empty; give a file to write") }
        if let destination {
            try Ownership.checkFile(destination, kind: "proofs-checks report") { $0.starts(with: Data(Self.title.utf8)) }
        }
    }

    func run() throws {
        let exists = { (path: String) in FileManager.default.fileExists(atPath: path) }
        let evidence = Evidence(quick: quick, benchmark: exists(benchmark + "/flan.csv") ? benchmark : nil,
                                fixture: exists(fixture + "/golden.json") ? fixture : nil)
        let checks: [(Evidence) -> [CheckResult]] = [
            { [theoremTwo($0)] }, { [propositionOneCauchySchwarz($0)] }, { [propositionOnePowerLaw($0)] },
            corollaryOneAlgebra, { [corollaryOneData($0)] }, { [propositionTwo($0)] }, lemmas,
            { [equationNine($0)] }, { [equationTen($0)] }, { [tableTwoAsPublished($0)] }, { [tableThree($0)] }, { [costReduction($0)] },
        ]
        let started = Date()
        var results: [CheckResult] = []
        for check in checks {
            for result in check(evidence) {
                results.append(result)
                print(result.verdictLine)
                fflush(nil)
            }
        }
        let seconds = Date().timeIntervalSince(started)
        let command = "swift run -c release proofs-checks" + (quick ? " --quick" : "")
        var text = Self.title + "\n"
        text += "Produced by `\(command)` (LensLLM toolkit) in \(Int(seconds.rounded())) s on one core; every number comes from this run.\n\n"
        text += Markdown.table(["claim", "verdict"], results.map { [$0.claim, $0.verdict.word] }) + "\n"
        text += results.map(\.markdown).joined()
        if let path = destination {
            try AtomicFile.write(text, to: path)
            StandardError.write("wrote \(path)\n")
        }
    }
}

ArgumentEncoding.requireUTF8()
ProofsChecks.main()
