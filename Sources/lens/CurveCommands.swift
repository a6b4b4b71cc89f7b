import ArgumentParser
import Curves
import Foundation
import Reports
import Theory

extension CurveOptions {
    var test: SequentialResidualTest { SequentialResidualTest(k: k, delta: delta) }

    /// The file's curves, or the one named by --model.
    func curves() throws -> (CurveSet, [LossCurve]) {
        let set = try CurveFile.read(path: file)
        if let model { return (set, [try set.curve(named: model)]) }
        return (set, set.curves)
    }
}

extension LawKind: ExpressibleByArgument {}
extension SelectionMethod: ExpressibleByArgument {}

/// `--method` of `lens transition`: one method, or all of them.
enum TransitionChoice: String, CaseIterable, ExpressibleByArgument {
    case residual, broken, law, all

    var methods: [TransitionMethod] {
        TransitionMethod(rawValue: rawValue).map { [$0] } ?? TransitionMethod.allCases
    }
}

struct Transition: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Find where each curve's pre-power phase ends and its power phase begins.")

    @OptionGroup var options: CurveOptions

    @Option(help: "residual (Algorithm 1), broken (two-regime power law), law (the crossover D^beta = F of the fitted LensLLM law), or all.")
    var method: TransitionChoice = .all

    func run() throws {
        let (set, curves) = try options.curves()
        var estimates: [TransitionEstimate] = []
        for curve in curves {
            for m in method.methods { estimates.append(try set.locating { () throws(CurveError) in try m.estimate(curve, test: options.test) }) }
        }
        print(options.json ? CurveTables.transitionsJSON(estimates) : CurveTables.transitions(estimates), terminator: "")
    }
}

struct Fit: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Fit a scaling law L(D) = B / (F + D^beta) + E to each curve.")

    @OptionGroup var options: CurveOptions

    @Option(help: "vanilla (F = 0), rectified (F free, with the zero-shot point) or lensllm (eq. 10).")
    var law: LawKind

    @Option(parsing: .unconditional, help: "lensllm only: F, e.g. from an NTK; free when absent.")
    var offset: Double?

    @Option(help: "lensllm only: take F(Theta, t) from a `lens ntk --out DIR` directory or its ntk.json (the paper's phase fitting: B, beta, E fitted with F fixed).")
    var offsetFromNtk: String?

    @Flag(help: "With --offset-from-ntk: fit the steps t as well, F = F(Theta, t) from the file's spectrum (the paper's prediction case).")
    var fitSteps = false

    @Flag(help: "Fit only the points after the residual-test transition (the paper's two-phase use).")
    var afterTransition = false

    func validate() throws {
        if (offset != nil || offsetFromNtk != nil) && law != .lensllm {
            throw ValidationError("--offset and --offset-from-ntk apply to --law lensllm only")
        }
        if offset != nil && offsetFromNtk != nil { throw ValidationError("give --offset or --offset-from-ntk, not both") }
        if fitSteps && offsetFromNtk == nil { throw ValidationError("--fit-steps needs --offset-from-ntk") }
        if let offset, !(offset >= 0 && offset.isFinite) { throw ValidationError("--offset must be a finite F >= 0") }
    }

    func run() throws {
        let (set, curves) = try options.curves()
        let summary = try offsetFromNtk.map { path in
            var isDirectory: ObjCBool = false
            let directory = FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && isDirectory.boolValue
            return try TangentKernelSummary.read(path: directory ? "\(path)/\(TangentKernelReport.summaryFile)" : path)
        }
        let offset: Offset? = summary.map { fitSteps ? .kernel($0.spectral) : .fixed($0.offset) } ?? self.offset.map { .fixed($0) }
        var fits: [(model: String, fit: LawFit)] = []
        for curve in curves {
            fits.append((curve.model, try set.locating { () throws(CurveError) in
                try law.fit(curve, afterTransition: afterTransition, offset: offset, test: options.test)
            }))
        }
        print(options.json ? CurveTables.fitsJSON(fits) : CurveTables.fits(fits), terminator: "")
    }
}

struct Select: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Rank the models for fine-tuning at a target data size from their curves up to a budget.")

    @OptionGroup var options: CurveOptions

    // `.unconditional`: a negative number is the option's value (and then refused by `validate`), not a flag.
    @Option(parsing: .unconditional, help: "The largest subset size a method may see.")
    var budget: Double

    @Option(parsing: .unconditional, help: "The data size to predict the loss at.")
    var target: Double

    @Option(help: "lensllm, ats, rectified, vanilla, zeroshot, subtuning or modelsize.")
    var method: SelectionMethod = .lensllm

    @Option(help: "lensllm's intervals: calibrated on the reference curve CSVs of this directory (each measured at sizes well past its budgets), or `none` for no intervals; default: the built-in Rectified Scaling Law curves (FLAN, Gigaword), less any that holds the scored curves.")
    var calibration: String?

    func validate() throws {
        if calibration != nil && method != .lensllm { throw ValidationError("--calibration applies to --method lensllm only") }
        guard budget > 0, budget.isFinite else { throw ValidationError("--budget must be a finite size > 0 (got \(budget))") }
        guard target > 0, target.isFinite else { throw ValidationError("--target must be a finite size > 0 (got \(target))") }
    }

    func run() throws {
        let (set, curves) = try options.curves()
        let selecting = ProgressLine("\(method.rawValue): selecting (curves fitted)")
        var settings = SelectionSettings(budget: budget, target: target, test: options.test)
        if method == .lensllm {
            switch calibration {
            case "none": break
            case let directory?: settings.calibration = try ExtrapolationCalibration.directory(directory, test: options.test)
            case nil: settings.calibration = ExtrapolationCalibration.builtIn(scoredCurves: curves, test: options.test).calibration
            }
        }
        let selection = try set.locating { () throws(CurveError) in try method.select(curves, settings: settings, progress: selecting.update) }
        selecting.finish()
        // Scored against the truth when the file has the target column for every model.
        let evaluation = selection.evaluation(against: curves, target: target)
        print(options.json ? CurveTables.selectionJSON(selection, truth: evaluation?.truth, metrics: evaluation?.metrics)
                           : CurveTables.selection(selection, truth: evaluation?.truth, metrics: evaluation?.metrics),
              terminator: "")
    }
}
