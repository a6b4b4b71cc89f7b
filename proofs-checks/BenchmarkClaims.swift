import Curves
import Foundation

/// eq. 10 against the rectified law, as the paper's Table 2 claims: the LensLLM law predicts held-back
/// larger sizes with a lower RMSE. Both laws fitted to each curve alone on every point up to each of the
/// seven budgets, RMSE over every larger measured size, averaged over the models and the budgets, per data
/// set. The toolkit's joint fit is reported beside it.
func equationTen(_ e: Evidence) -> CheckResult {
    let claim = "eq. 10 (the LensLLM law predicts held-back sizes better than the rectified law, Table 2)"
    let tests = "mean RMSE (loss) of held-back larger sizes over models and the seven budgets, the LensLLM law per curve (F free) against the rectified law with its zero-shot point"
    switch e.predictionAccuracy {
    case .failure(let why): return CheckResult(claim: claim, tests: tests, data: "-", measured: [], verdict: .notTestable(why.reason))
    case .success(let results):
        var measured: [String] = [], losses: [String] = []
        for dataset in Set(results.map(\.dataset)).sorted() {
            let rows = results.filter { $0.dataset == dataset }
            func mean(_ p: PredictionAccuracy.Predictor) -> Double { rows.map { $0.mean(p).rmse }.reduce(0, +) / Double(rows.count) }
            let failed = rows.map { $0.models.count - $0.mean(.lensllmCurve).models }.reduce(0, +)
            let (lens, rectified, joint) = (mean(.lensllmCurve), mean(.rectified), mean(.lensllmJoint))
            measured.append("\(dataset): LensLLM law per curve \(num(lens)) (\(failed) fits failed and are left out), rectified \(num(rectified)); "
                            + "the toolkit's joint lensllm fit \(num(joint))")
            if !(lens < rectified) { losses.append("\(dataset): LensLLM law \(num(lens)) >= rectified \(num(rectified))") }
        }
        return CheckResult(claim: claim, tests: tests, data: "the Rectified Scaling Law benchmark (30 models, FLAN and Gigaword)",
                           measured: measured, verdict: losses.isEmpty ? .holds : .fails(losses.joined(separator: "; ")))
    }
}

/// Table 3's headline: LensLLM selects better than the other methods, in PearCorr averaged over the
/// budgets, on each data set (lensllm's design chosen leaving one data set out).
func tableThree(_ e: Evidence) -> CheckResult {
    let claim = "Table 3 (LensLLM's PearCorr beats every other method on each data set)"
    let tests = "PearCorr averaged over the seven budgets, lensllm (design chosen on the other data set) against ats, rectified, vanilla, zeroshot, subtuning, modelsize"
    switch e.benchmarkEntries {
    case .failure(let why): return CheckResult(claim: claim, tests: tests, data: "-", measured: [], verdict: .notTestable(why.reason))
    case .success(let entries):
        var measured: [String] = [], losses: [String] = []
        for dataset in Set(entries.map(\.dataset)).sorted() {
            func average(_ m: SelectionMethod) -> Double {
                let v = entries.filter { $0.dataset == dataset && $0.method == m }.map(\.metrics.pearson)
                return v.reduce(0, +) / Double(v.count)
            }
            let lens = average(.lensllm)
            let others = SelectionMethod.allCases.filter { $0 != .lensllm }.map { ($0, average($0)) }
            let best = others.max { $0.1 < $1.1 }!
            measured.append("\(dataset): lensllm \(num(lens, 3)); best other \(best.0.rawValue) \(num(best.1, 3))")
            if !(lens > best.1) { losses.append("\(dataset): lensllm \(num(lens, 3)) <= \(best.0.rawValue) \(num(best.1, 3))") }
        }
        return CheckResult(claim: claim, tests: tests, data: "the Rectified Scaling Law benchmark (30 models, FLAN and Gigaword)",
                           measured: measured, verdict: losses.isEmpty ? .holds : .fails(losses.joined(separator: "; ")))
    }
}

/// The 88.5% computational cost reduction: the fine-tuning samples lensllm reads per model (every
/// measured size up to the budget) against one full run at the target, which with the 6 x parameters x
/// tokens FLOP convention is also the FLOP ratio. The claim holds where some budget reaches a reduction of
/// 88.5% or more while lensllm still beats AtS there.
func costReduction(_ e: Evidence) -> CheckResult {
    let claim = "Cost reduction (up to 88.5% less fine-tuning compute than full fine-tuning)"
    let tests = "1 - (samples lensllm reads per model) / (samples of a full run at 1,638,400) at each budget, with lensllm's PearCorr against AtS's there; the claim holds if some budget reaching 88.5% has lensllm ahead of AtS on some data set"
    switch e.benchmarkEntries {
    case .failure(let why): return CheckResult(claim: claim, tests: tests, data: "-", measured: [], verdict: .notTestable(why.reason))
    case .success(let entries):
        var measured: [String] = [], reached = false
        let p = BenchmarkProtocol()
        for budget in p.budgets {
            let rows = entries.filter { $0.budget == budget }
            guard let any = rows.first(where: { $0.method == .lensllm }) else { continue }
            let reduction = 1 - any.samplesPerModel / p.target
            let wins = Set(rows.map(\.dataset)).sorted().map { d -> String in
                let l = rows.first { $0.dataset == d && $0.method == .lensllm }!.metrics.pearson
                let a = rows.first { $0.dataset == d && $0.method == .ats }!.metrics.pearson
                if reduction >= 0.885 && l > a { reached = true }
                return "\(d) lensllm \(num(l, 3)) / AtS \(num(a, 3))"
            }
            measured.append("\(p.ratioLabel(budget)): reduction \(num(100 * reduction, 4))%; PearCorr " + wins.joined(separator: ", "))
        }
        return CheckResult(claim: claim, tests: tests, data: "the Rectified Scaling Law benchmark's protocol",
                           measured: measured,
                           verdict: reached ? .holds : .fails("no budget with a reduction of 88.5% or more where lensllm beats AtS"))
    }
}
