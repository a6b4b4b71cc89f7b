import Curves
import LinearAlgebra
import Foundation

/// eq. 10 against the rectified law, as the paper's Table 2 claims: the LensLLM law predicts held-back
/// larger sizes with a lower RMSE. Both laws fitted to each curve alone on every point up to each of the
/// seven budgets, RMSE over every larger measured size, averaged over the models and the budgets, per data
/// set. The toolkit's joint fit is reported beside it.
func equationTen(_ e: Evidence) -> CheckResult {
    let claim = "eq. 10 (the LensLLM law predicts held-back sizes better than the rectified law, Table 2)"
    let tests = "the statement (Section 4.2, Table 2): \"Our model achieves significantly lower errors across all architectures\"; reading: mean RMSE (loss) of "
        + "held-back larger sizes over models and the seven budgets, the LensLLM law per curve (eq. 10 with F free, the benchmark has no checkpoints to "
        + "form an NTK from) against the rectified law with its zero-shot point; FAILS on a data set where it is not lower"
    return CheckResult.on(e.predictionAccuracy, claim: claim, tests: tests) { results in
        var measured: [String] = [], rows: [(dataset: String, lens: Double, rectified: Double)] = []
        for dataset in Set(results.map(\.dataset)).sorted() {
            let budgets = results.filter { $0.dataset == dataset }
            func mean(_ p: PredictionAccuracy.Predictor) -> Double { budgets.map { $0.mean(p).rmse }.reduce(0, +) / Double(budgets.count) }
            let failed = budgets.map { $0.models.count - $0.mean(.lensllmCurve).models }.reduce(0, +)
            let (lens, rectified, joint) = (mean(.lensllmCurve), mean(.rectified), mean(.lensllmJoint))
            measured.append("\(dataset): LensLLM law per curve \(num(lens)) (\(failed) fits failed and are left out), rectified \(num(rectified)); "
                            + "the toolkit's joint lensllm fit \(num(joint))")
            rows.append((dataset, lens, rectified))
        }
        return CheckResult(claim: claim, tests: tests, data: "the Rectified Scaling Law benchmark (30 models, FLAN and Gigaword)",
                           measured: measured, verdict: lowerErrorVerdict(rows))
    }
}

/// FAILS on every data set where the LensLLM law's mean RMSE is not below the rectified law's.
func lowerErrorVerdict(_ rows: [(dataset: String, lens: Double, rectified: Double)]) -> Verdict {
    let losses = rows.filter { !($0.lens < $0.rectified) }.map { "\($0.dataset): LensLLM law \(num($0.lens)) >= rectified \(num($0.rectified))" }
    return losses.isEmpty ? .holds : .fails(losses.joined(separator: "; "))
}

/// The paper's Table 2 as published (RMSE x 10^-1 of LensLLM and of the rectified law per model, FLAN
/// and Gigaword columns; the released repository's README), beside ours. The paper does not say which
/// sizes were fitted and which predicted, so the published numbers cannot be recomputed: the check puts
/// them next to ours at every budget and says where they meet.
let publishedTableTwo: [(model: String, flan: (lens: Double, rectified: Double), gigaword: (lens: Double, rectified: Double))] = [
    ("facebook/opt-350m", (0.32, 1.50), (0.26, 0.98)), ("facebook/opt-1.3b", (0.32, 1.20), (0.28, 0.99)),
    ("facebook/opt-6.7b", (0.26, 1.31), (0.26, 1.46)), ("t5-small", (0.28, 1.30), (0.30, 1.27)),
    ("t5-base", (0.26, 1.26), (0.30, 0.94)), ("cerebras/Cerebras-GPT-256M", (0.22, 1.10), (0.33, 1.30)),
    ("cerebras/Cerebras-GPT-1.3B", (0.32, 1.00), (0.28, 1.00)), ("google/mt5-base", (0.32, 1.22), (0.17, 1.07)),
    ("google/mt5-large", (0.32, 1.07), (0.28, 1.10)), ("facebook/bart-base", (0.30, 0.96), (0.26, 0.99)),
    ("facebook/bart-large", (0.28, 0.87), (0.36, 1.14)), ("gpt2", (0.30, 1.23), (0.26, 1.33)),
    ("MBZUAI/LaMini-GPT-124M", (0.35, 1.00), (0.30, 1.15)), ("MBZUAI/LaMini-GPT-774M", (0.28, 1.13), (0.28, 1.19)),
]

func tableTwoAsPublished(_ e: Evidence) -> CheckResult {
    let claim = "Table 2 as published (per-model RMSE, LensLLM about 4x below the rectified law)"
    let tests = "the published per-model RMSEs of the 14 models against ours (mean over the same 14) at every budget"
    return CheckResult.on(e.predictionAccuracy, claim: claim, tests: tests) { results in
        var measured: [String] = []
        for dataset in ["flan", "gigaword"] {
            let published = publishedTableTwo.map { dataset == "flan" ? $0.flan : $0.gigaword }
            let (lens, rectified) = (published.map(\.lens).reduce(0, +) / 14 / 10, published.map(\.rectified).reduce(0, +) / 14 / 10)
            measured.append("\(dataset), published means: LensLLM \(num(lens, 3)), rectified \(num(rectified, 3)) (ratio \(num(rectified / lens, 3)))")
            for r in results where r.dataset == dataset {
                let rows = publishedTableTwo.compactMap { p in r.models.firstIndex(of: p.model) }
                func mean(_ p: PredictionAccuracy.Predictor) -> Double {
                    let values = rows.compactMap { r.rmse[p]![$0] }
                    return values.reduce(0, +) / Double(max(1, values.count))
                }
                measured.append("  ours up to \(Int(r.budget)): LensLLM law per curve \(num(mean(.lensllmCurve), 3)), joint \(num(mean(.lensllmJoint), 3)), "
                                + "rectified \(num(mean(.rectified), 3)) (ratio rectified / per curve \(num(mean(.rectified) / mean(.lensllmCurve), 3)))")
            }
        }
        return CheckResult(claim: claim, tests: tests, data: "the Rectified Scaling Law benchmark; the paper's Table 2 (repository README)",
                           measured: measured,
                           verdict: .notTestable("the paper does not state which sizes were fitted and which predicted; with that protocol "
                                                 + "the published numbers could be recomputed here; the measured lines show ours at every budget"))
    }
}

/// Table 3's headline: LensLLM selects better than the other methods, in PearCorr averaged over the
/// budgets, on each data set (lensllm's design chosen leaving one data set out), with a 95% bootstrap
/// interval over the models: 2,000 seeded resamples of the data set's models with replacement, every
/// method scored on the same resample, the interval on the difference lensllm − best other method
/// (best by the point estimate). A superiority claim is refuted where the interval lies below 0 and
/// confirmed where every data set's lies above 0.
func tableThree(_ e: Evidence) -> CheckResult {
    let claim = "Table 3 (LensLLM's PearCorr beats every other method on each data set)"
    let tests = "the statement (Section 4.2, Table 3): \"Our approach consistently achieves superior correlation (reaching 85.8% PearCorr) between predicted "
        + "and actual model performance, significantly outperforming established baselines\"; reading: PearCorr averaged over the seven budgets, lensllm "
        + "(design chosen on the other data set) against ats, rectified, vanilla, zeroshot, subtuning, modelsize, with a 95% percentile bootstrap interval "
        + "of lensllm minus the best other method over the models (2,000 resamples, seed 1); FAILS on a data set where the interval lies below 0, HOLDS "
        + "when it lies above 0 on every data set, NOT TESTABLE when it holds 0 (the models do not resolve the difference)"
    return CheckResult.on(e.benchmarkEntries, claim: claim, tests: tests) { entries in
        var measured: [String] = [], rows: [(dataset: String, best: String, difference: ClosedRange<Double>)] = []
        for dataset in Set(entries.map(\.dataset)).sorted() {
            let methods = SelectionMethod.allCases
            let byMethod = Dictionary(uniqueKeysWithValues: methods.map { m in
                (m, entries.filter { $0.dataset == dataset && $0.method == m }.sorted { $0.budget < $1.budget })
            })
            let count = byMethod[.lensllm]![0].truth.count
            // PearCorr averaged over the budgets, on the models `rows` (indices, repeats allowed).
            func average(_ m: SelectionMethod, _ models: [Int]) -> Double {
                let values = byMethod[m]!.map { entry in
                    100 * Statistics.pearson(models.map { entry.selection.scores[$0] }, models.map { entry.truth[$0] })
                }
                return values.reduce(0, +) / Double(values.count)
            }
            let all = Array(0..<count)
            let lens = average(.lensllm, all)
            let best = methods.filter { $0 != .lensllm }.map { ($0, average($0, all)) }.max { $0.1 < $1.1 }!
            var rng = SeededGenerator(seed: 1)
            var differences: [Double] = [], undefined = 0
            for _ in 0..<2000 {
                let models = (0..<count).map { _ in Int(rng.next() % UInt64(count)) }
                let d = average(.lensllm, models) - average(best.0, models)
                if d.isFinite { differences.append(d) } else { undefined += 1 }
            }
            let interval = Statistics.quantile(differences, 0.025)...Statistics.quantile(differences, 0.975)
            measured.append("\(dataset): lensllm \(num(lens, 3)); best other \(best.0.rawValue) \(num(best.1, 3)); difference \(num(lens - best.1, 3)), "
                            + "95% bootstrap interval [\(num(interval.lowerBound, 3)), \(num(interval.upperBound, 3))] over \(count) models"
                            + (undefined > 0 ? " (\(undefined) resamples with an undefined PearCorr left out)" : ""))
            rows.append((dataset, best.0.rawValue, interval))
        }
        return CheckResult(claim: claim, tests: tests, data: "the Rectified Scaling Law benchmark (30 models, FLAN and Gigaword)",
                           measured: measured, verdict: superiorityVerdict(rows))
    }
}

/// lensllm against the best other method per data set, on the interval of their PearCorr difference:
/// FAILS where it lies below 0, HOLDS where every data set's lies above 0, NOT TESTABLE otherwise.
func superiorityVerdict(_ rows: [(dataset: String, best: String, difference: ClosedRange<Double>)]) -> Verdict {
    func text(_ r: (dataset: String, best: String, difference: ClosedRange<Double>)) -> String {
        "\(r.dataset): lensllm - \(r.best) in [\(num(r.difference.lowerBound, 3)), \(num(r.difference.upperBound, 3))]"
    }
    let below = rows.filter { $0.difference.upperBound < 0 }
    if !below.isEmpty { return .fails(below.map(text).joined(separator: "; ")) }
    if !rows.isEmpty && rows.allSatisfy({ $0.difference.lowerBound > 0 }) { return .holds }
    return .notTestable("the difference is not resolved by the models: " + rows.filter { $0.difference.lowerBound <= 0 }.map(text).joined(separator: "; "))
}

/// The 88.5% computational cost reduction: the fine-tuning samples lensllm reads per model (every
/// measured size up to the budget) against one full run at the target, which with the 6 x parameters x
/// tokens FLOP convention is also the FLOP ratio. The claim holds where some budget reaches a reduction of
/// 88.5% or more while lensllm still beats AtS there.
func costReduction(_ e: Evidence) -> CheckResult {
    let claim = "Cost reduction (up to 88.5% less fine-tuning compute than full fine-tuning)"
    let tests = "the statement (Section 4.3): \"it reduces computational costs by up to 88.5% compared to FullTuning while maintaining comparable "
        + "performance\"; reading: 1 - (samples lensllm reads per model) / (samples of a full run at 1,638,400) at each budget (the FLOP ratio under "
        + "6 x parameters x tokens), with lensllm's PearCorr against AtS's there; HOLDS if some budget reaching 88.5% has lensllm ahead of AtS on some data set"
    return CheckResult.on(e.benchmarkEntries, claim: claim, tests: tests) { entries in
        var measured: [String] = [], cells: [(reduction: Double, lens: Double, ats: Double)] = []
        let p = BenchmarkProtocol()
        for budget in p.budgets {
            let rows = entries.filter { $0.budget == budget }
            guard let any = rows.first(where: { $0.method == .lensllm }) else { continue }
            let reduction = 1 - any.samplesPerModel / p.target
            let wins = Set(rows.map(\.dataset)).sorted().map { d -> String in
                let l = rows.first { $0.dataset == d && $0.method == .lensllm }!.metrics.pearson
                let a = rows.first { $0.dataset == d && $0.method == .ats }!.metrics.pearson
                cells.append((reduction, l, a))
                return "\(d) lensllm \(num(l, 3)) / AtS \(num(a, 3))"
            }
            measured.append("\(p.ratioLabel(budget)): reduction \(num(100 * reduction, 4))%; PearCorr " + wins.joined(separator: ", "))
        }
        return CheckResult(claim: claim, tests: tests, data: "the Rectified Scaling Law benchmark's protocol",
                           measured: measured,
                           verdict: costReductionVerdict(cells))
    }
}

/// HOLDS when some (budget, data set) cell reaches a reduction of 88.5% or more with lensllm's PearCorr
/// above AtS's; FAILS otherwise.
func costReductionVerdict(_ cells: [(reduction: Double, lens: Double, ats: Double)]) -> Verdict {
    cells.contains { $0.reduction >= 0.885 && $0.lens > $0.ats } ? .holds : .fails("no budget with a reduction of 88.5% or more where lensllm beats AtS")
}

/// Table 4's protocol: "the number of FLOPs when PearCorr of methods reach the curve" (Section 4.3,
/// Figure 4). Reading: per data set, the PearCorr level both lensllm and SubTuning reach at some budget
/// (the lower of their best), and the fine-tuning samples each reads per model at the smallest budget
/// where it reaches that level, against FullTuning's (every model at the target). Every method fine-tunes
/// every model, so with FLOPs = 6 x parameters x tokens the parameter counts and tokens per sample cancel
/// in the ratios; the paper's absolute FLOPs (0.48, 0.59, 0.97 in units lost in extraction) cannot be
/// recomputed without its models' token counts.
func tableFour(_ e: Evidence) -> CheckResult {
    let claim = "Table 4 (LensLLM reaches SubTuning's PearCorr with less fine-tuning compute, and FullTuning's cost is far above)"
    let tests = "the statement (Section 4.3, Table 4): \"LensLLM achieves superior computational efficiency ... which substantially outperforms both "
        + "SubTuning and FullTuning\", with FLOPs counted \"when PearCorr of methods reach the curve\"; reading: per data set the PearCorr level both "
        + "lensllm and SubTuning reach (the lower of their best over the seven budgets), the samples each reads per model at the smallest budget "
        + "reaching it, and FullTuning's 1,638,400; FLOP ratios equal sample ratios (6 x parameters x tokens, the same models); FAILS on a data set "
        + "where lensllm needs as many FLOPs as SubTuning or FullTuning"
    return CheckResult.on(e.benchmarkEntries, claim: claim, tests: tests) { entries in
        let target = BenchmarkProtocol().target
        var measured: [String] = [], rows: [(dataset: String, lens: Double, sub: Double, full: Double)] = []
        for dataset in Set(entries.map(\.dataset)).sorted() {
            func curve(_ m: SelectionMethod) -> [(pearson: Double, samples: Double)] {
                entries.filter { $0.dataset == dataset && $0.method == m }.sorted { $0.budget < $1.budget }.map { ($0.metrics.pearson, $0.samplesPerModel) }
            }
            let (lens, sub) = (curve(.lensllm), curve(.subtuning))
            guard let lensBest = lens.map(\.pearson).max(), let subBest = sub.map(\.pearson).max() else { continue }
            let level = min(lensBest, subBest)
            func cost(_ c: [(pearson: Double, samples: Double)]) -> Double { c.filter { $0.pearson >= level }.map(\.samples).min()! }
            let (lensCost, subCost) = (cost(lens), cost(sub))
            measured.append("\(dataset): level \(num(level, 3)) PearCorr; samples per model to reach it: lensllm \(num(lensCost)), SubTuning \(num(subCost)), "
                            + "FullTuning \(num(target)); lensllm / SubTuning \(num(lensCost / subCost, 3)), lensllm / FullTuning \(num(lensCost / target, 3)) "
                            + "(a reduction of \(num(100 * (1 - lensCost / target), 3))%)")
            rows.append((dataset, lensCost, subCost, target))
        }
        return CheckResult(claim: claim, tests: tests, data: "the Rectified Scaling Law benchmark's protocol (30 models, FLAN and Gigaword)",
                           measured: measured, verdict: cheaperVerdict(rows))
    }
}

/// FAILS on every data set where lensllm's cost is not below both SubTuning's and FullTuning's.
func cheaperVerdict(_ rows: [(dataset: String, lens: Double, sub: Double, full: Double)]) -> Verdict {
    let losses = rows.filter { !($0.lens < $0.sub && $0.lens < $0.full) }
        .map { "\($0.dataset): lensllm \(num($0.lens)) against SubTuning \(num($0.sub)), FullTuning \(num($0.full))" }
    return rows.isEmpty ? .notTestable("no data set") : losses.isEmpty ? .holds : .fails(losses.joined(separator: "; "))
}
