import Curves
import Foundation
import TestSupport
import Testing

/// Issue 10, acceptance 1 and 2: lensllm's design for a data set is chosen on the other data sets of
/// the run, never on its own, and a further data set in the directory runs the same protocol.
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

    static func choices(_ entries: [BenchmarkEntry]) -> [String: LeaveOneDataSetOut.Choice] {
        var choices: [String: LeaveOneDataSetOut.Choice] = [:]
        for e in entries where e.method == .lensllm { choices[e.dataset] = e.designChoice }
        return choices
    }

    @Test func eachDataSetsDesignIsChosenOnTheOthersAndNotOnItself() throws {
        let (first, second) = (try Self.directory(seed: 1), try Self.directory(seed: 2))
        defer { for dir in [first, second] { try? FileManager.default.removeItem(atPath: dir) } }
        let runs = try [first, second].map { try BenchmarkProtocol().run(directory: $0, methods: [.lensllm, .ats]) }
        for entries in runs {
            let loo = LeaveOneDataSetOut(entries, fallback: .standard)
            #expect(loo.averagePearson.map(\.dataset) == ["flan", "gigaword", "synthetic"])
            let choices = Self.choices(entries)
            for (name, pearson) in loo.averagePearson {
                let choice = try #require(choices[name])
                let others = loo.averagePearson.filter { $0.dataset != name }
                #expect(choice.chosenOn == others.map(\.dataset))
                // The chosen design is the best averaged over the others, and the entries are scored with it.
                let best = others.map { $0.pearson[choice.design]! }.reduce(0, +)
                for d in LensLLMSelection.Design.allCases {
                    #expect(others.map { $0.pearson[d]! }.reduce(0, +) <= best + 1e-12, "\(name): \(d) beats the chosen \(choice.design)")
                }
                let scored = entries.filter { $0.dataset == name && $0.method == .lensllm }
                #expect(scored.allSatisfy { $0.selection.lensllm?.design == choice.design })
                #expect(abs(scored.map(\.metrics.pearson).reduce(0, +) / 7 - pearson[choice.design]!) < 1e-9)
            }
        }
        // The synthetic data set changed between the runs; the design it was scored with is chosen on
        // FLAN and Gigaword alone, so it cannot have moved.
        #expect(Self.choices(runs[0])["synthetic"] == Self.choices(runs[1])["synthetic"])
    }

    /// Measured with the two data sets of ../shared (each design's table is in reports/benchmark):
    /// FLAN, scored with the design Gigaword chose (average), 65.2 against AtS's 62.7. Gigaword, scored
    /// with the design FLAN chose (shared, by 0.1 over average), 93.7 against AtS's 93.8: the issue's
    /// margin of 1.0 on Gigaword is not met, and this test does not pretend it is.
    @Test func lensllmBeatsAtsOnFlanByAPointWithTheDesignChosenOnGigaword() throws {
        let entries = try BenchmarkProtocol().run(directory: Paths.benchmark, methods: [.lensllm, .ats])
        func average(_ m: SelectionMethod) -> Double {
            let v = entries.filter { $0.dataset == "flan" && $0.method == m }.map(\.metrics.pearson)
            return v.reduce(0, +) / Double(v.count)
        }
        #expect(Self.choices(entries)["flan"]?.chosenOn == ["gigaword"])
        #expect(average(.lensllm) - average(.ats) >= 1.0, "lensllm \(average(.lensllm)) vs AtS \(average(.ats))")
    }
}
