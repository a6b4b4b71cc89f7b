import Foundation
import Hessian
import LinearAlgebra
import Testing

/// Acceptance 3: stochastic trace estimators are unbiased; SLQ densities are densities.
struct EstimatorTests {
    static let op: DenseSymmetricOperator = {
        var rng = SeededGenerator(seed: 21)
        // Decaying spectrum (where Hutch++ shines), indefinite tail.
        return TestMatrices.withSpectrum((0..<120).map { 10 * pow(0.9, Double($0)) + 0.2 * rng.normal() }, seed: 21)
    }()
    static var trueTrace: Double { (0..<120).reduce(0) { $0 + op.entries[$1 * 120 + $1] } }

    // Over 60 seeds the mean estimate must lie within 3 standard errors of the mean of the true
    // trace (the spread of the estimates across seeds gives that standard error).
    @Test(arguments: ["hutchinson", "hutch++"])
    func traceEstimatorIsUnbiasedWithinThreeStandardErrors(method: String) {
        let estimates = (1...60).map { seed -> Estimate in
            method == "hutchinson" ? TraceEstimation.hutchinson(Self.op, probes: 30, seed: UInt64(seed))
                                   : TraceEstimation.hutchPlusPlus(Self.op, applications: 30, seed: UInt64(seed))
        }
        let values = estimates.map(\.value)
        let mean = values.reduce(0, +) / 60
        let sd = (values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / 59).squareRoot()
        #expect(abs(mean - Self.trueTrace) <= 3 * sd / 60.0.squareRoot(), "mean \(mean) vs \(Self.trueTrace), sd \(sd)")
        // Each run's own standard error should be of the order of the spread across runs.
        let reported = estimates.map(\.standardError).reduce(0, +) / 60
        #expect(reported > sd / 3 && reported < 3 * sd, "reported \(reported) vs observed \(sd)")
    }

    @Test func hutchPlusPlusBeatsHutchinsonOnADecayingSpectrum() {
        func spread(_ f: (UInt64) -> Double) -> Double {
            let v = (1...40).map { f(UInt64($0)) }
            return (v.reduce(0) { $0 + pow($1 - Self.trueTrace, 2) } / 40).squareRoot()
        }
        let plain = spread { TraceEstimation.hutchinson(Self.op, probes: 60, seed: $0).value }
        let plus = spread { TraceEstimation.hutchPlusPlus(Self.op, applications: 60, seed: $0).value }
        #expect(plus < plain, "Hutch++ RMS error \(plus) vs Hutchinson \(plain)")
    }

    // Within the budget the trace is the exact sum of the diagonal (round-off of 120 additions); beyond
    // it, Hutch++ with exactly the budget's products.
    @Test func traceIsExactWithinItsBudgetAndHutchPlusPlusBeyond() {
        let exact = TraceEstimation.trace(Self.op, budget: 120, seed: 1)
        #expect(abs(exact.value - Self.trueTrace) <= 1e-12 * (0..<120).reduce(0) { $0 + abs(Self.op.entries[$1 * 121]) })
        #expect(exact.standardError == 0 && exact.applications == 120)
        let sketched = TraceEstimation.trace(Self.op, budget: 30, seed: 1)
        #expect(sketched.value == TraceEstimation.hutchPlusPlus(Self.op, applications: 30, seed: 1).value && sketched.applications == 30)
    }

    @Test func slqDensityIntegratesToOneAndMatchesTheTrace() {
        let density = SpectralDensity.estimate(Self.op, probes: 8, steps: 40, width: 0.05, seed: 3)
        let (lo, hi) = (density.nodes.min()! - 1, density.nodes.max()! + 1)
        let steps = 20_000
        let h = (hi - lo) / Double(steps)
        let integral = (0...steps).reduce(0.0) { total, i in
            let w = (i == 0 || i == steps) ? 0.5 : 1
            return total + w * h * density(lo + Double(i) * h)
        }
        #expect(abs(integral - 1) < 1e-6, "integral \(integral)")
        // n · mean(λ) = tr(H): SLQ's spectral mean is a Hutchinson-like estimate; 8 probes, 3 SE.
        let hutch = TraceEstimation.hutchinson(Self.op, probes: 8, seed: 3)
        #expect(abs(120 * density.spectralMean { $0 } - Self.trueTrace) <= 3 * hutch.standardError + 1e-9)
    }
}
