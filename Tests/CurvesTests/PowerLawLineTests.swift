import Curves
import Foundation
import LinearAlgebra
import Testing

/// The log-log power law behind Corollary 1's fits: exact on exact data, honest intervals on noisy data,
/// and a clear refusal where a logarithm does not exist.
struct PowerLawLineTests {
    @Test func exactPowerLawIsRecoveredToRoundOff() throws {
        let n = [8.0, 16, 32, 64, 128, 256], y = n.map { 2.5 * pow($0, -0.35) }
        let fit = try PowerLawLine.fit(n: n, y: y)
        #expect(abs(fit.exponent - 0.35) < 1e-13 && abs(fit.coefficient / 2.5 - 1) < 1e-13 && fit.logRMSE < 1e-13)
        #expect(abs(fit(100) / (2.5 * pow(100, -0.35)) - 1) < 1e-13)
        #expect(try PowerLawLine.fit(n: [1, 2], y: [1, 0.5]).exponentInterval == nil, "two points: no scatter to size an interval")
    }

    // With log-normal noise the 95% intervals must cover the true exponent and coefficient in 95% of
    // 1,000 seeded replicates, to within 3 binomial standard deviations (±2.1%).
    @Test func intervalsCoverTheTruthAtTheirLevel() throws {
        let n = [8.0, 16, 32, 64, 128, 256]
        var coveredExponent = 0, coveredCoefficient = 0
        let replicates = 1_000
        for seed in 1...replicates {
            var rng = SeededGenerator(seed: UInt64(seed))
            let y = n.map { 3 * pow($0, -0.6) * exp(0.2 * rng.normal()) }
            let fit = try PowerLawLine.fit(n: n, y: y)
            if try #require(fit.exponentInterval).contains(0.6) { coveredExponent += 1 }
            if try #require(fit.coefficientInterval).contains(3) { coveredCoefficient += 1 }
        }
        let tolerance = 3 * (0.95 * 0.05 / Double(replicates)).squareRoot()
        for covered in [coveredExponent, coveredCoefficient] {
            #expect(abs(Double(covered) / Double(replicates) - 0.95) <= tolerance, "coverage \(covered)/\(replicates)")
        }
    }

    @Test func nonPositiveValuesAndTooFewSizesAreRefused() {
        #expect(throws: FitError.self) { try PowerLawLine.fit(n: [1, 2, 3], y: [1, 0, 2]) }
        #expect(throws: FitError.self) { try PowerLawLine.fit(n: [4, 4, 4], y: [1, 2, 3]) }
        #expect(throws: FitError.self) { try PowerLawLine.fit(n: [4], y: [1]) }
    }
}
