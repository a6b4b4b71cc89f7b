import ArgumentParser
import Curves
import Foundation
import Reports

/// The CSV files of a directory, sorted, each named for its data set (file name without .csv).
func benchmarkFiles(in directory: String) throws -> [(dataset: String, path: String)] {
    let names: [String]
    do {
        names = try FileManager.default.contentsOfDirectory(atPath: directory)
    } catch {
        throw ValidationError("\(directory): cannot list the directory (\(error.localizedDescription))")
    }
    let csvs = names.filter { $0.hasSuffix(".csv") }.sorted()
    guard !csvs.isEmpty else { throw ValidationError("\(directory): no .csv files to benchmark") }
    return csvs.map { (String($0.dropLast(4)), "\(directory)/\($0)") }
}

/// Runs the published protocol on every CSV of `directory`.
func runBenchmark(_ directory: String, methods: [SelectionMethod], protocol p: BenchmarkProtocol) throws -> [BenchmarkEntry] {
    var entries: [BenchmarkEntry] = []
    for (dataset, path) in try benchmarkFiles(in: directory) {
        entries += try p.run(try CurveFile.read(path: path), dataset: dataset, methods: methods)
    }
    return entries
}

struct Benchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run every selection method on every CSV of a directory at budgets 1/8 .. 1/512 of 1,638,400.")

    @Argument(help: "A directory of benchmark CSVs (e.g. ../shared/benchmarks/rectified-scaling-law).")
    var directory: String

    @Option(help: "Write the selection report (markdown and SVG scatters) into this directory.")
    var out: String?

    @Flag(help: "Print JSON instead of markdown.")
    var json = false

    func run() throws {
        let p = BenchmarkProtocol()
        let entries = try runBenchmark(directory, methods: SelectionMethod.allCases, protocol: p)
        let provenance = "Produced by `lens benchmark \(directory)` (LensLLM toolkit); every number comes from this run."
        if let out {
            try BenchmarkReport.write(entries, protocol: p, provenance: provenance,
                                      scatterMethods: [.lensllm, .ats, .rectified], to: out)
        }
        print(json ? BenchmarkReport.json(entries, protocol: p) : BenchmarkReport.markdown(entries, protocol: p, provenance: provenance),
              terminator: "")
    }
}

struct Report: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Write reports.", subcommands: [Curves.self])

    struct Curves: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "One markdown page per model (log-log SVG plot, fitted laws, transitions) and an index.")

        @Argument(help: "A curves CSV.")
        var file: String

        @Option(help: "The directory to write into.")
        var out: String

        func run() throws {
            let set = try CurveFile.read(path: file)
            let analyses = set.curves.map { CurveAnalysis($0, source: set.source) }
            try CurveReport.write(analyses, source: file,
                                  provenance: "Produced by `lens report curves \(file) --out \(out)` (LensLLM toolkit).",
                                  to: out)
            print("wrote \(analyses.count) model pages and index.md to \(out)")
        }
    }
}

struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Measure speed.", subcommands: [CurvesBench.self, LanczosBench.self, HVPBench.self])

    struct CurvesBench: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "curves",
            abstract: "Time the full benchmark evaluation, per method and in all, against AtS measured in the same run.")

        @Argument(help: "A directory of benchmark CSVs.")
        var directory: String

        @Option(help: "Repetitions; the best time is reported.")
        var repeats = 3

        func run() throws {
            let p = BenchmarkProtocol()
            var best: [SelectionMethod: Double] = [:]
            var total = Double.infinity
            for _ in 0..<max(1, repeats) {
                var sum = 0.0
                for method in SelectionMethod.allCases {
                    let start = DispatchTime.now().uptimeNanoseconds
                    _ = try runBenchmark(directory, methods: [method], protocol: p)
                    let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
                    best[method] = min(best[method] ?? .infinity, seconds)
                    sum += seconds
                }
                total = min(total, sum)
            }
            let files = try benchmarkFiles(in: directory).count
            let ats = best[.ats]!
            print("Full benchmark evaluation: \(files) data sets x 7 budgets x \(SelectionMethod.allCases.count) methods (best of \(repeats))")
            print("method      seconds   x AtS")
            for method in SelectionMethod.allCases {
                print(method.rawValue.padding(toLength: 10, withPad: " ", startingAt: 0),
                      String(format: "%8.4f  %6.1f", best[method]!, best[method]! / ats))
            }
            print(String(format: "all methods %8.4f s", total))
            print("For scale (not measured here): the reference Python implementation takes 477 s on this kind of machine at best.")
        }
    }
}
