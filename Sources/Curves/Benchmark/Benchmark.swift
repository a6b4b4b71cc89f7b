import _Files
import Foundation

/// The published evaluation protocol of the Rectified Scaling Law benchmark (Lin et al. 2024;
/// see the benchmark README): for each budget, every method scores every model from the points up
/// to the budget, and is judged against the true loss at the target size.
public struct BenchmarkProtocol: Sendable {
    /// 204800 down to 3200: 1/8 .. 1/512 of the target.
    public var budgets: [Double]
    public var target: Double
    public var test: SequentialResidualTest

    public init(budgets: [Double] = [204_800, 102_400, 51_200, 25_600, 12_800, 6_400, 3_200],
                target: Double = 1_638_400, test: SequentialResidualTest = .init()) {
        (self.budgets, self.target, self.test) = (budgets, target, test)
    }

    /// "1/8" for budget 204800 of 1638400.
    public func ratioLabel(_ budget: Double) -> String { "1/\(format((target / budget).rounded()))" }
}

/// One method on one data set at one budget.
public struct BenchmarkEntry: Sendable {
    public var dataset: String
    public var budget: Double
    public var method: SelectionMethod
    public var selection: Selection
    public var metrics: SelectionMetrics
    /// The true losses at the target, in file order.
    public var truth: [Double]
    /// How many points of each curve the method could see (sizes up to the budget).
    public var visiblePoints: [Int]
    /// Samples fine-tuned on per model to obtain the scores: the sum of the subset sizes the
    /// method reads (0 for ZeroShot and ModelSize).
    public var samplesPerModel: Double
}

extension BenchmarkProtocol {
    /// Runs `methods` on `set` at every budget, lensllm's intervals calibrated on `calibration` (none without).
    /// - Throws: `CurveError` if a model lacks the target loss or a method cannot score a model.
    public func run(_ set: CurveSet, dataset: String, methods: [SelectionMethod],
                    calibration: ExtrapolationCalibration? = nil) throws(CurveError) -> [BenchmarkEntry] {
        guard set.curves.count >= 2 else {
            throw CurveError(set.source, "holds \(set.curves.count) model; the benchmark scores a selection among at least 2 (PearCorr needs two)")
        }
        var truth: [Double] = []
        for curve in set.curves {
            guard let l = curve.loss(at: target) else {
                throw CurveError(set.source, "model \"\(curve.model)\" has no loss at the target size \(format(target))")
            }
            truth.append(l)
        }
        var entries: [BenchmarkEntry] = []
        for budget in budgets {
            let settings = SelectionSettings(budget: budget, target: target, test: test, calibration: calibration)
            for method in methods {
                let selection = try set.locating { () throws(CurveError) in try method.select(set.curves, settings: settings) }
                let metrics = SelectionMetrics(scores: selection.scores, ranks: selection.ranks, trueLosses: truth)
                entries.append(BenchmarkEntry(dataset: dataset, budget: budget, method: method,
                                              selection: selection, metrics: metrics, truth: truth,
                                              visiblePoints: set.curves.map { $0.truncated(toBudget: budget).count },
                                              samplesPerModel: samplesRead(by: method, budget: budget, set: set)))
            }
        }
        return entries
    }

    /// The fine-tuning data a method consumes per model: every measured size up to the budget for
    /// the curve methods, the budget alone for SubTuning, nothing for ZeroShot and ModelSize.
    func samplesRead(by method: SelectionMethod, budget: Double, set: CurveSet) -> Double {
        switch method {
        case .zeroshot, .modelsize: return 0
        case .subtuning: return budget
        case .ats, .lensllm, .rectified, .vanilla:
            return set.curves.first.map { $0.sizes.filter { $0 <= budget }.reduce(0, +) } ?? 0
        }
    }
}

extension BenchmarkProtocol {
    /// The CSV files of a directory, sorted, each named for its data set (the file name without .csv).
    public static func files(in directory: String) throws(CurveError) -> [(dataset: String, path: String)] {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), !isDirectory.boolValue {
            throw CurveError(directory, "is a file; give the directory that holds the benchmark's CSVs")
        }
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory)
        } catch {
            throw CurveError(directory, "cannot list the directory (\(fileSystemReason(error, path: directory)))")
        }
        let csvs = names.filter { $0.hasSuffix(".csv") }.sorted()
        guard !csvs.isEmpty else { throw CurveError(directory, "no .csv files to benchmark") }
        return csvs.map { (String($0.dropLast(4)), "\(directory)/\($0)") }
    }

    /// Runs `methods` on every CSV of `directory`, data set by data set, lensllm's intervals of each
    /// calibrated on the *other* data sets (`ExtrapolationCalibration`; none with a single CSV).
    public func run(directory: String, methods: [SelectionMethod],
                    progress: ((_ done: Int, _ total: Int) -> Void)? = nil) throws(CurveError) -> [BenchmarkEntry] {
        var entries: [BenchmarkEntry] = [], sets: [(dataset: String, set: CurveSet)] = []
        for (dataset, path) in try Self.files(in: directory) { sets.append((dataset, try CurveFile.read(path: path))) }
        for (i, scored) in sets.enumerated() {
            let others = sets.filter { $0.dataset != scored.dataset }.map { ExtrapolationCalibration.Reference(name: $0.dataset, curves: $0.set.curves) }
            let calibration = others.isEmpty ? nil : ExtrapolationCalibration(references: others, test: test)
            entries += try run(scored.set, dataset: scored.dataset, methods: methods, calibration: calibration)
            progress?(i + 1, sets.count)
        }
        return entries
    }
}

extension BenchmarkProtocol {
    /// Predictive accuracy (`PredictionAccuracy`, the paper's Table 2) on every CSV of `directory` at every
    /// budget, with lensllm's joint fit.
    public func predictionAccuracy(directory: String,
                                   progress: ((_ done: Int, _ total: Int) -> Void)? = nil) throws(CurveError) -> [PredictionAccuracy] {
        var results: [PredictionAccuracy] = []
        let files = try Self.files(in: directory)
        for (dataset, path) in files {
            let set = try CurveFile.read(path: path)
            for budget in budgets {
                results.append(try set.locating { () throws(CurveError) in
                    try PredictionAccuracy.measure(set.curves, dataset: dataset, budget: budget, test: test)
                })
                progress?(results.count, files.count * budgets.count)
            }
        }
        return results
    }
}
