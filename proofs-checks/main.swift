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

    @Option(help: "The Rectified Scaling Law benchmark directory, with flan.csv and gigaword.csv (default: ../shared/benchmarks/rectified-scaling-law; its checks are NOT TESTABLE when the default is absent).")
    var benchmark: String?

    @Option(help: "The PyTorch GPT-2 fixture directory (default: ../shared/fixtures/gpt2-tiny; its checks are NOT TESTABLE when the default is absent).")
    var fixture: String?

    static let defaultBenchmark = "../shared/benchmarks/rectified-scaling-law", defaultFixture = "../shared/fixtures/gpt2-tiny"
    /// The data sets the paper's benchmark claims speak of.
    static let datasets = ["flan.csv", "gigaword.csv"]

    @Option(help: "Write the markdown report here (default: reports/proofs-checks.md for the full run, nothing for --quick).")
    var out: String?

    static let title = "# The LensLLM paper's claims, checked\n"

    /// Where the report goes: `--out`, or reports/proofs-checks.md for the full run.
    var destination: String? { out ?? (quick ? nil : "reports/proofs-checks.md") }

    /// The benchmark directory to use: one given must hold both data sets, and so must the default when
    /// it is there (a data set missing would change a verdict without a word); nil when the default is absent.
    func benchmarkDirectory() throws -> String? {
        let directory = benchmark ?? Self.defaultBenchmark
        guard benchmark != nil || FileManager.default.fileExists(atPath: directory) else { return nil }
        for name in Self.datasets where !FileManager.default.fileExists(atPath: "\(directory)/\(name)") {
            throw ValidationError("--benchmark \(directory): no \(name); the paper's benchmark claims are checked on FLAN and Gigaword together")
        }
        return directory
    }

    /// The fixture directory: one given must hold golden.json; nil when the default is absent.
    func fixtureDirectory() throws -> String? {
        let directory = fixture ?? Self.defaultFixture
        let present = FileManager.default.fileExists(atPath: "\(directory)/golden.json")
        if fixture != nil && !present { throw ValidationError("--fixture \(directory): no golden.json; give the PyTorch GPT-2 fixture's directory") }
        return present ? directory : nil
    }

    func validate() throws {
        if let out, out.trimmingCharacters(in: .whitespaces).isEmpty { throw ValidationError("--out is empty; give a file to write") }
        _ = try benchmarkDirectory()
        _ = try fixtureDirectory()
        if let destination {
            try Ownership.checkFile(destination, kind: "proofs-checks report") { $0.starts(with: Data(Self.title.utf8)) }
        }
    }

    func run() throws {
        let evidence = Evidence(quick: quick, benchmark: try benchmarkDirectory(), fixture: try fixtureDirectory())
        // A benchmark that is there but does not run is an error, not a claim that cannot be tested.
        if evidence.benchmark != nil, case .failure(let unavailable) = evidence.benchmarkEntries {
            throw CheckFailure(description: unavailable.reason)
        }
        let checks: [(Evidence) -> [CheckResult]] = [
            { [theoremTwo($0)] }, { [propositionOneCauchySchwarz($0)] }, { [propositionOnePowerLaw($0), propositionOneExponentOrder($0)] },
            corollaryOneAlgebra, { [corollaryOneData($0)] }, { [propositionTwo($0)] }, lemmas,
            { [equationNine($0)] }, { [equationTen($0), equationTenKernel($0)] }, { [tableTwoAsPublished($0)] }, { [tableThree($0)] }, { [costReduction($0), tableFour($0)] },
        ]
        let started = Date()
        var results: [CheckResult] = []
        for check in checks {
            for result in check(evidence) {
                results.append(result)
                print(result.verdictLine)
                print("    tests: \(result.tests)")
                fflush(nil)
            }
        }
        let seconds = Date().timeIntervalSince(started)
        let command = Invocation.command("swift run -c release proofs-checks")
        var text = Self.title + "\n"
        text += "Produced by `\(command)` (LensLLM toolkit) in \(Int(seconds.rounded())) s on one core; every number comes from this run.\n\n"
        text += Markdown.table(["claim", "verdict"], results.map { [$0.claim, $0.verdict.word + ($0.algebraic ? " (algebraic fact, not evidence)" : "")] }) + "\n"
        text += results.map(\.markdown).joined()
        if let path = destination {
            try AtomicFile.write(text, to: path)
            StandardError.write("wrote \(path)\n")
        }
    }
}

/// A run that cannot give its verdicts (ArgumentParser prints no usage for it).
struct CheckFailure: Error, CustomStringConvertible { var description: String }

ArgumentEncoding.requireUTF8()
ProofsChecks.main()
