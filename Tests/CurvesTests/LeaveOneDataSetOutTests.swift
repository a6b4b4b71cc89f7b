import Curves
import Foundation
import TestSupport
import Testing

/// Issue 23, acceptance 1: every data set is scored with the one fixed design, whatever else is in the
/// directory, and the leave-one-data-set-out check shows what choosing on the others would have given.
@Suite(.enabled(if: Paths.hasBenchmark, "../shared/benchmarks/rectified-scaling-law is absent"))
struct LeaveOneDataSetOutTests {
    /// A directory with FLAN, Gigaword and a synthetic third data set of another shape (12 models of
    /// LensLLM's law, 1% noise, drawn from `seed`).
    static func directory(seed: UInt64) throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lens-loo-\(getpid())-\(seed)").path
        try? FileManager.default.removeItem(atPath: dir)
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        for name in ["flan.csv", "gigaword.csv"] {
            try FileManager.default.copyItem(atPath: "\(Paths.benchmark)/\(name)", toPath: "\(dir)/\(name)")
        }
        try SyntheticCurves.wideCSV(SyntheticCurves.candidates(count: 12, noise: 0.01, seed: seed))
            .write(toFile: "\(dir)/synthetic.csv", atomically: true, encoding: .utf8)
        return dir
    }

    @Test func everyDataSetIsScoredWithTheFixedDesignAndTheCheckShowsWhatChoosingGives() throws {
        let (first, second) = (try Self.directory(seed: 1), try Self.directory(seed: 2))
        defer { for dir in [first, second] { try? FileManager.default.removeItem(atPath: dir) } }
        let runs = try [first, second].map { try BenchmarkProtocol().run(directory: $0, methods: [.lensllm, .ats]) }
        for entries in runs {
            let loo = LeaveOneDataSetOut(entries)
            #expect(loo.averagePearson.map(\.dataset) == ["flan", "gigaword", "synthetic"])
            for (name, pearson) in loo.averagePearson {
                let scored = entries.filter { $0.dataset == name && $0.method == .lensllm }
                #expect(scored.allSatisfy { $0.selection.lensllm?.design == .fixed })
                #expect(abs(scored.map(\.metrics.pearson).reduce(0, +) / 7 - pearson[.fixed]!) < 1e-9)
                // The check: the design best on the others, and what it scores here.
                let choice = try #require(loo.choices[name])
                let others = loo.averagePearson.filter { $0.dataset != name }
                #expect(choice.chosenOn == others.map(\.dataset))
                let best = others.map { $0.pearson[choice.design]! }.reduce(0, +)
                for d in LensLLMSelection.Design.allCases {
                    #expect(others.map { $0.pearson[d]! }.reduce(0, +) <= best + 1e-12, "\(name): \(d) beats the chosen \(choice.design)")
                }
                #expect(loo.chosenPearson(name) == pearson[choice.design])
            }
        }
        // The synthetic data set changed between the runs; FLAN's and Gigaword's scores did not.
        for name in ["flan", "gigaword"] {
            let scores = runs.map { $0.filter { $0.dataset == name && $0.method == .lensllm }.map(\.metrics.pearson) }
            #expect(scores[0] == scores[1])
        }
        // A lone data set has nothing to choose on.
        let lone = try BenchmarkProtocol().run(try CurveFile.read(path: "\(Paths.benchmark)/flan.csv"), dataset: "flan", methods: [.lensllm])
        #expect(LeaveOneDataSetOut(lone).choices.isEmpty)
    }

    /// Measured with the two data sets of ../shared (each design's table is in reports/benchmark): FLAN
    /// 65.2 against AtS's 62.7 with the fixed design. (Gigaword: 94.0 against 93.8; the retired goal of a
    /// 1.0 margin there is beyond any method's hindsight ceiling, 94.2.)
    @Test func lensllmBeatsAtsOnFlanByAPointWithTheFixedDesign() throws {
        let entries = try BenchmarkProtocol().run(directory: Paths.benchmark, methods: [.lensllm, .ats])
        func average(_ m: SelectionMethod) -> Double {
            let v = entries.filter { $0.dataset == "flan" && $0.method == m }.map(\.metrics.pearson)
            return v.reduce(0, +) / Double(v.count)
        }
        #expect(average(.lensllm) - average(.ats) >= 1.0, "lensllm \(average(.lensllm)) vs AtS \(average(.ats))")
    }
}
