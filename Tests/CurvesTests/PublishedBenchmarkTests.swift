import Curves
import TestSupport
import Testing

/// Acceptance 1 of the curves issue: the four deterministic methods reproduce every published
/// number of Lin et al. 2024 on FLAN and Gigaword.
@Suite(.enabled(if: Paths.hasBenchmark, "../shared/benchmarks/rectified-scaling-law is absent"))
struct PublishedBenchmarkTests {
    static let datasets = ["flan", "gigaword"]

    func entries(_ dataset: String, _ methods: [SelectionMethod]) throws -> [BenchmarkEntry] {
        try BenchmarkProtocol().run(try CurveFile.read(path: "\(Paths.benchmark)/\(dataset).csv"),
                                    dataset: dataset, methods: methods)
    }

    // The published tables are rounded to 0.1; the reference correlates float32 copies of the
    // scores, so a value on a rounding boundary may print either way: ±0.1 covers both.
    @Test(arguments: datasets)
    func deterministicMethodsReproducePublishedTables(dataset: String) throws {
        let methods: [SelectionMethod] = [.ats, .zeroshot, .subtuning, .modelsize]
        let results = try entries(dataset, methods)
        let p = BenchmarkProtocol()
        for method in methods {
            let published = try #require(PublishedResults.row(dataset: dataset, method: method))
            for (i, budget) in p.budgets.enumerated() {
                let e = try #require(results.first { $0.method == method && $0.budget == budget })
                #expect(abs(e.metrics.pearson - published.pearson[i]) <= 0.1 + 1e-9,
                        "\(dataset) \(method) \(p.ratioLabel(budget)) PearCorr \(e.metrics.pearson) vs \(published.pearson[i])")
                #expect(abs(e.metrics.relativeAccuracy - published.relativeAccuracy[i]) <= 0.1 + 1e-9,
                        "\(dataset) \(method) \(p.ratioLabel(budget)) RelAcc \(e.metrics.relativeAccuracy) vs \(published.relativeAccuracy[i])")
            }
        }
    }

    // The published rectified row cannot be matched exactly (its reference fit is chaotic; a rerun
    // of the reference gave 56.0 and 86.3 against the published 54.3 and 86.2). Our deterministic
    // fit of the same law to the same points must land in that neighbourhood: within 2.5 points.
    @Test(arguments: datasets)
    func rectifiedLawAverageIsNearThePublishedOne(dataset: String) throws {
        let results = try entries(dataset, [.rectified])
        let average = results.map(\.metrics.pearson).reduce(0, +) / Double(results.count)
        let published = try #require(PublishedResults.rectifiedAveragePearson[dataset])
        #expect(abs(average - published) <= 2.5, "rectified average \(average) vs published \(published)")
    }

    // Every method scores every model at every budget, with finite scores.
    @Test(arguments: datasets)
    func everyMethodScoresEveryModelAtEveryBudget(dataset: String) throws {
        let results = try entries(dataset, SelectionMethod.allCases)
        #expect(results.count == 7 * SelectionMethod.allCases.count)
        for e in results {
            #expect(e.selection.scores.count == 30)
            #expect(e.selection.scores.allSatisfy { $0.isFinite }, "\(e.method) at \(e.budget)")
        }
    }
}
