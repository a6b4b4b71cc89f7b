import ArgumentParser
import Foundation
import _Files
import LinearAlgebra

@main
struct Lens: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lens",
        abstract: "LensLLM: fine-tuning dynamics for choosing which language model to fine-tune.",
        subcommands: [Transition.self, Fit.self, Select.self, Benchmark.self, Report.self, Corpus.self, Initialise.self, FineTune.self, HessianCommand.self, Bound.self, Corollary.self, NTK.self, Bench.self, Demo.self])

    /// ArgumentParser's entry point, then a check that standard output took everything printed.
    static func main() {
        // One BLAS thread: the same inputs give the same bytes on every machine (`BLAS.useOneThread`).
        BLAS.useOneThread()
        ArgumentEncoding.requireUTF8()
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            // --help and --version print to stdout and end with status 0: through the same check of
            // standard output, so that help written to a full disk is not a success.
            if exitCode(for: error) == .success {
                print(fullMessage(for: error))
                StandardOutput.finish()
                Foundation.exit(0)
            }
            StandardOutput.finish()
            exit(withError: error)
        }
        StandardOutput.finish()
    }
}

/// Options shared by the commands that read a curves file.
struct CurveOptions: ParsableArguments {
    @Argument(help: "A curves CSV: wide (model, one column per size, optional size, family) or long (model,n,loss).")
    var file: String

    @Option(help: "Only this model.")
    var model: String?

    @Option(parsing: .unconditional, help: "Sequential residual test: points in the first fit.")
    var k = 3

    @Option(parsing: .unconditional, help: "Sequential residual test: stop threshold in residual standard deviations.")
    var delta = 5.0

    @Flag(help: "Print JSON instead of a markdown table.")
    var json = false

    func validate() throws {
        guard k >= 2 else { throw ValidationError("--k must be at least 2") }
        guard delta > 0 else { throw ValidationError("--delta must be positive") }
    }
}
