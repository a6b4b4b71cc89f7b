import _Files
import ArgumentParser
import Curves
import Models
import Reports
import Theory
import Timings

struct Benchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run every selection method on every CSV of a directory at budgets 1/8 .. 1/512 of 1,638,400.")

    @Argument(help: "A directory of benchmark CSVs (e.g. ../shared/benchmarks/rectified-scaling-law).")
    var directory: String

    @OptionGroup var output: ReportOutput

    func run() throws {
        let p = BenchmarkProtocol()
        let selecting = ProgressLine("selection (data sets)")
        let entries = try p.run(directory: directory, methods: SelectionMethod.allCases, progress: selecting.update)
        selecting.finish()
        let provenance = "Produced by `\(Invocation.command("lens"))` (LensLLM toolkit); every number comes from this run."
        func accuracy() throws -> [PredictionAccuracy] {
            let measuring = ProgressLine("predictive accuracy (data sets x budgets)")
            defer { measuring.finish() }
            return try p.predictionAccuracy(directory: directory, progress: measuring.update)
        }
        if output.json {
            if let out = output.out { try write(entries, accuracy(), provenance, to: out) }
            print(BenchmarkReport.json(entries, protocol: p), terminator: "")
            return
        }
        let accuracy = try accuracy()
        if let out = output.out { try write(entries, accuracy, provenance, to: out) }
        print(BenchmarkReport.markdown(entries, protocol: p, provenance: provenance) + BenchmarkReport.predictionAccuracy(accuracy, protocol: p),
              terminator: "")
    }

    func write(_ entries: [BenchmarkEntry], _ accuracy: [PredictionAccuracy], _ provenance: String, to out: String) throws {
        try BenchmarkReport.write(entries, accuracy: accuracy, protocol: BenchmarkProtocol(), provenance: provenance,
                                  scatterMethods: [.lensllm, .ats, .rectified], to: out)
    }
}

struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Measure speed.", subcommands: [CurvesBench.self, LanczosBench.self, QuadratureBench.self, HVPBench.self, BoundBench.self, EnginesBench.self])

    struct CurvesBench: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "curves",
            abstract: "Time the full benchmark evaluation, per method and in all, against AtS measured in the same run.")

        @Argument(help: "A directory of benchmark CSVs.")
        var directory: String

        @Option(parsing: .unconditional, help: "Repetitions; the best time is reported.")
        var repeats = 3

        func validate() throws {
            guard repeats >= 1 else { throw ValidationError("--repeats must be at least 1") }
        }

        func run() throws {
            let progress = ProgressLine("benchmark evaluation (rounds)")
            let result = try CurvesTiming(directory: directory, rounds: repeats).run(progress: progress.update)
            progress.finish()
            print(result.text, terminator: "")
        }
    }

    struct LanczosBench: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "lanczos",
            abstract: "Applications to reach a top-eigenvalue relative error of 1e-6, Lanczos against PyHessian's power iteration; time per dense application against cblas_dsymv.")

        @Option(parsing: .unconditional, help: "Dimension of the test matrices.")
        var n = 1000

        @Option(parsing: .unconditional, help: "Dimension of the dense operator timed against cblas_dsymv.")
        var timingDimension = 2000

        @Option(parsing: .unconditional, help: "Seed of the test matrices and start vectors.")
        var seed: UInt64 = 1

        func validate() throws {
            guard n >= 2, timingDimension >= 1 else { throw ValidationError("--n must be at least 2 and --timing-dimension at least 1") }
            // The dense test matrix, the Lanczos basis (256 vectors) and the timed dense operator.
            let (size, timing) = (Double(n), Double(timingDimension))
            try MachineMemory.require(8 * (size * size + 256 * size + timing * timing), for: "the dense test matrices",
                                      remedy: "choose a smaller --n or --timing-dimension")
        }

        func run() throws {
            print(LanczosTiming(n: n, timingDimension: timingDimension, seed: seed).run().text, terminator: "")
        }
    }

    struct QuadratureBench: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "quadrature",
            abstract: "How tight the certified v^T H^+ v is against k on dense test spectra, beside the previous certificate, and its cost.")

        @Option(parsing: .unconditional, help: "Dimension of the test matrices.")
        var n = 1000

        @Option(help: "Lanczos step counts, comma-separated.")
        var steps = "10,20,30,60,120"

        @Option(parsing: .unconditional, help: "Relative width of the tolerance run, capped at the largest step count.")
        var rtol = 0.05

        @Option(parsing: .unconditional, help: "Seed of the spectra and vectors.")
        var seed: UInt64 = 1

        func validate() throws {
            guard n >= 4 else { throw ValidationError("--n must be at least 4") }
            guard rtol > 0, rtol.isFinite else { throw ValidationError("--rtol must be a positive number") }
            guard let ks = stepCounts, !ks.isEmpty, ks.allSatisfy({ $0 >= 1 && $0 <= n }) else {
                throw ValidationError("--steps must be comma-separated step counts between 1 and --n")
            }
            // The dense test matrix and the Lanczos basis of the most steps.
            let size = Double(n)
            try MachineMemory.require(8 * size * (size + Double(ks.max()!)), for: "the dense test matrices", remedy: "choose a smaller --n")
        }

        var stepCounts: [Int]? {
            let parts = steps.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
            return parts.allSatisfy { $0 != nil } ? parts.compactMap { $0 } : nil
        }

        func run() throws {
            let timing = QuadratureTiming(n: n, steps: stepCounts ?? [], tolerance: rtol, seed: seed)
            print(QuadratureTiming.text(timing.run(), timing: timing), terminator: "")
        }
    }

    struct HVPBench: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "hvp",
            abstract: "Time GPT-2 loss, gradient and exact HVP in Float64; forward GFLOP/s against dgemm of the same shapes.")

        @OptionGroup var shape: GPT2ShapeOptions
        @Option(parsing: .unconditional) var batch = 4
        @Option(parsing: .unconditional) var seed: UInt64 = 1
        @Option(parsing: .unconditional, help: "Rounds; the best time of each is reported.") var repeats = 3

        func validate() throws {
            guard batch >= 1, repeats >= 1 else { throw ValidationError("--batch and --repeats must be at least 1") }
            try shape.requireMemory(sequences: batch, what: "--batch \(batch) sequences")
        }

        func run() throws {
            print(HVPTiming(config: shape.config, batch: batch, seed: seed, rounds: repeats).run().text, terminator: "")
        }
    }

    struct EnginesBench: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "engines",
            abstract: "Time the native and the torch engine's block-restricted HVPs on one sequence of the same model, interleaved in one run.")

        @OptionGroup var shape: GPT2ShapeOptions
        @Option(parsing: .unconditional) var seed: UInt64 = 1
        @Option(parsing: .unconditional, help: "Rounds; the best time of each is reported.") var repeats = 3
        @Option(help: "The Python with the worker installed (default: $LENS_PYTHON, else python3).") var python: String?

        func validate() throws {
            guard repeats >= 1 else { throw ValidationError("--repeats must be at least 1") }
            try shape.requireMemory(sequences: 1, what: "one sequence")
        }

        func run() throws {
            let python = EngineOptions.python(python)
            ProgressLine.note("lens bench engines: starting the PyTorch worker (\(python) -m lensllm.worker)")
            let progress = ProgressLine("block products (both engines)")
            let result = try EngineTiming(config: shape.config, seed: seed, rounds: repeats, python: python).run { progress.update($0, of: $1) }
            progress.finish()
            print(result.text, terminator: "")
        }
    }

    struct BoundBench: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "bound",
            abstract: "What certified Hessian terms h_i cost against the naive plan (every sample, block and step a full HVP), in HVP-equivalents measured in the same run; time and peak memory.")

        @OptionGroup var shape: GPT2ShapeOptions
        @Option(parsing: .unconditional, help: "Training sequences.") var samples = 64
        @Option(parsing: .unconditional, help: "The most Lanczos steps per form.") var steps = HessianTerms.defaultSteps
        @Option(parsing: .unconditional, help: "Relative width each form runs to (0: every form runs --steps).") var rtol = HessianTerms.defaultTolerance
        @Option(parsing: .unconditional, help: "AdamW steps that make the fine-tuned checkpoint.") var fineTuningSteps = 4
        @Flag(help: "Refine only the largest upper ends after a short run of every sample.") var screening = false
        @Option(parsing: .unconditional) var seed: UInt64 = 1
        @OptionGroup var threading: ThreadOptions

        func validate() throws {
            guard samples >= 1, steps >= 1, fineTuningSteps >= 1 else {
                throw ValidationError("--samples, --steps and --fine-tuning-steps must be at least 1")
            }
            guard rtol >= 0, rtol.isFinite else { throw ValidationError("--rtol must be a finite number >= 0") }
            try shape.requireMemory(sequences: samples, what: "--samples \(samples) sequences")
        }

        func run() throws {
            let config = shape.config
            let threads = try threading.resolve(bytes: {
                HessianTerms.memoryBytes(config, samples: samples, length: config.maxPositions, steps: steps, lanes: $0, batchMean: false)
            }, for: "the Hessian terms of \(samples) sequences", remedy: "choose smaller sizes or fewer --threads")
            let progress = ProgressLine("Hessian terms (forms)" + (threads > 1 ? ", on \(threads) threads and then on one" : ""))
            let result = BoundTiming(config: config, samples: samples, steps: steps, tolerance: rtol, fineTuningSteps: fineTuningSteps, screening: screening,
                                        seed: seed, lanes: threads).run {
                progress.update($0, of: $1)
            }
            progress.finish()
            print(result.text, terminator: "")
        }
    }
}
