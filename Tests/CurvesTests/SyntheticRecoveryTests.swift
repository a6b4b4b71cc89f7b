@testable import Curves
import Foundation
import LinearAlgebra
import Testing

/// Acceptance 3: on synthetic curves with known structure, the methods recover it.
struct SyntheticRecoveryTests {
    // Break between grid points (at 6400·√2), slopes −0.03 then −0.25, 1% multiplicative noise
    // on the benchmark's 14 sizes (one grid step = a factor of 2).
    @Test func twoRegimeFitRecoversBreakWithinOneGridStepIn95Of100Seeds() throws {
        let breakSize = 6400 * 2.0.squareRoot()
        var recovered = 0
        for seed in 1...100 as ClosedRange<UInt64> {
            let curve = SyntheticCurves.twoRegime(model: "s\(seed)", lossAtBreak: 3, breakSize: breakSize,
                                                  slopeBefore: -0.03, slopeAfter: -0.25, noise: 0.01, seed: seed)
            let fit = try BrokenPowerLaw.fit(curve)
            if abs(log2(fit.breakSize / breakSize)) <= 1 { recovered += 1 }
        }
        #expect(recovered >= 95, "recovered the break in \(recovered) of 100 seeds")
    }

    @Test func twoRegimeIntervalCoversTheTrueBreakMostOfTheTime() throws {
        let breakSize = 12_800.0
        var covered = 0
        for seed in 1...100 as ClosedRange<UInt64> {
            let curve = SyntheticCurves.twoRegime(model: "s", lossAtBreak: 2.5, breakSize: breakSize,
                                                  slopeBefore: -0.02, slopeAfter: -0.2, noise: 0.01, seed: seed)
            if try BrokenPowerLaw.fit(curve).interval.contains(breakSize) { covered += 1 }
        }
        // Nominal 95%; profile-likelihood intervals for a breakpoint are approximate: ask for 85%.
        #expect(covered >= 85, "interval covered the break in \(covered) of 100 seeds")
    }

    @Test func oneRegimeDataIsRarelyGivenABreak() throws {
        var breaks = 0
        for seed in 1...200 as ClosedRange<UInt64> {
            let curve = SyntheticCurves.twoRegime(model: "s", lossAtBreak: 2, breakSize: 6400,
                                                  slopeBefore: -0.1, slopeAfter: -0.1, noise: 0.01, seed: seed)
            if try BrokenPowerLaw.fit(curve).hasBreak { breaks += 1 }
        }
        // Measured 16 of 200 with the break priced as two parameters; allow up to 10%.
        #expect(breaks <= 20, "\(breaks) of 200 straight curves were given a break")
    }

    // The fitted parameters' ±1.96 SE intervals should cover the truth ~95% of the time; with 14
    // points the asymptotic normal approximation is rough, so ask for 85% per parameter.
    @Test(arguments: [Offset.fixed(0), Offset.free])
    func powerLawFitsRecoverParametersWithinTheirStandardErrors(offset: Offset) throws {
        let truth: PowerLaw
        switch offset {
        case .fixed: truth = PowerLaw(b: 12, beta: 0.3, e: 0.8, f: 0)
        case .free: truth = PowerLaw(b: 40, beta: 0.45, e: 0.9, f: 15)
        case .kernel: Issue.record("not an argument of this test"); return
        }
        let names = PowerLaw.names
        let fitted = offset == .free ? 0..<4 : 0..<3
        var covered = [Int](repeating: 0, count: 4)
        let seeds = 100
        for seed in 1...UInt64(seeds) {
            let curve = SyntheticCurves.law(truth, model: "s", noise: 0.01, seed: seed)
            let fit = try PowerLaw.fit(sizes: curve.sizes, losses: curve.losses, offset: offset)
            for j in fitted {
                let se = try #require(fit.standardErrors[j])
                if abs(fit.law.values[j] - truth.values[j]) <= 1.96 * se { covered[j] += 1 }
            }
        }
        for j in fitted {
            #expect(covered[j] >= 85, "\(names[j]): truth within 1.96 SE in \(covered[j]) of \(seeds) seeds")
        }
    }

    @Test func noiselessPowerLawIsRecoveredExactly() throws {
        let truth = PowerLaw(b: 40, beta: 0.45, e: 0.9, f: 15)
        let curve = SyntheticCurves.law(truth, model: "s", noise: 0, seed: 1)
        let fit = try PowerLaw.fit(sizes: curve.sizes, losses: curve.losses, offset: .free)
        for (a, b) in zip(fit.law.values, truth.values) { #expect(abs(a - b) <= 1e-6 * b, "\(a) vs \(b)") }
        #expect(fit.logRMSE < 1e-10)
    }

    /// L = E + C₃ n^−β₃ + K n^−3/4 with n* = (K/C₃)^(1/(3/4−β₃)) = 4000, β₃ = 0.55.
    static func corollaryCurve(noise: Double, seed: UInt64) -> LossCurve {
        let (e, c3, beta3, nStar) = (0.5, 3.0, 0.55, 4000.0)
        let k = c3 * pow(nStar, 0.75 - beta3)
        var rng = SeededGenerator(seed: seed)
        let sizes = SyntheticCurves.benchmarkSizes
        let losses = sizes.map { (e + c3 * pow($0, -beta3) + k * pow($0, -0.75)) * exp(noise * rng.normal()) }
        return LossCurve(model: "c", sizes: sizes, losses: losses)
    }

    @Test func corollaryShapeRecoversItsCrossoverFromExactData() throws {
        let fit = try CorollaryShape.fit(Self.corollaryCurve(noise: 0, seed: 1))
        #expect(abs(fit.crossover / 4000 - 1) < 1e-6, "n* = \(fit.crossover)")
        #expect(abs(fit.beta3 - 0.55) < 1e-6)
        #expect(fit.corollaryConsistent)
    }

    // Under noise the two decaying terms trade off and n* is weakly identified; what must hold is
    // that the reported interval says so: nominal 95%, asked for in 16 of 20 seeds.
    @Test func corollaryShapeIntervalCoversTheCrossoverUnderNoise() throws {
        var covered = 0
        for seed in 1...20 as ClosedRange<UInt64> {
            let fit = try CorollaryShape.fit(Self.corollaryCurve(noise: 0.001, seed: seed))
            if fit.interval?.contains(4000) == true { covered += 1 }
        }
        #expect(covered >= 16, "covered in \(covered) of 20 seeds")
    }

    // Candidates with their own B and F but one exponent: the joint fit recovers all of them from
    // exact data, and from 1% noise recovers β within 3 of its reported standard errors.
    @Test func sharedExponentFitRecoversTheCommonExponent() throws {
        let beta = 0.35
        let laws = [(5.0, 20.0), (8.0, 200.0), (3.0, 2.0), (12.0, 900.0)].map { PowerLaw(b: $0.0, beta: beta, e: 0, f: $0.1) }
        let sizes = Array(SyntheticCurves.benchmarkSizes.prefix(8))
        let exact = laws.enumerated().map { SyntheticCurves.law($1, model: "m\($0)", sizes: sizes, noise: 0, seed: 1) }
        let fit = try SharedExponentFit.fit(exact)
        #expect(abs(fit.beta - beta) < 1e-6, "beta \(fit.beta)")
        for (got, want) in zip(fit.laws, laws) {
            #expect(abs(got.b / want.b - 1) < 1e-5 && abs(got.f / want.f - 1) < 1e-4, "\(got) vs \(want)")
        }
        let noisy = laws.enumerated().map { SyntheticCurves.law($1, model: "m\($0)", sizes: sizes, noise: 0.01, seed: UInt64($0 + 1)) }
        let noisyFit = try SharedExponentFit.fit(noisy)
        let se = try #require(noisyFit.betaStandardError)
        #expect(abs(noisyFit.beta - beta) <= 3 * se, "beta \(noisyFit.beta) ± \(se)")
        // Two points per curve: 8 residuals for 9 parameters have a family of exact fits, and the fit says so.
        #expect(throws: FitError.self) { try SharedExponentFit.fit(exact.map { $0.prefix(2) }) }
    }

    // The profile fit (one-dimensional searches) against the joint least-squares problem it solves,
    // handed to GSL's Levenberg–Marquardt over all 2M + 1 parameters from the profile's answer: on
    // noisy curves of 8 candidates, LM lowers the cost by no more than 1e-10 relative and moves no
    // parameter by more than 1e-4 (the profile's searches stop at 1e-7 relative), and the
    // arrowhead covariance blocks equal σ̂² times GSL's dense (JᵀJ)⁻¹ there to 1e-6 relative.
    @Test func sharedExponentProfileIsTheJointLeastSquaresMinimumWithItsCovariance() throws {
        var rng = SeededGenerator(seed: 11)
        let curves = (0..<8).map { m in
            let law = PowerLaw(b: 2 + 10 * rng.uniform(), beta: 0.3, e: 0, f: exp(2 + 4 * rng.uniform()))
            return SyntheticCurves.law(law, model: "m\(m)", sizes: Array(SyntheticCurves.benchmarkSizes.prefix(5 + m % 3)),
                                       noise: 0.01, seed: UInt64(m + 1))
        }
        let fit = try SharedExponentFit.fit(curves)
        let x = curves.map(\.logSizes), y = curves.map(\.logLosses)
        let m = curves.count, p = 1 + 2 * m, n = x.reduce(0) { $0 + $1.count }
        let problem = LeastSquaresProblem(
            residualCount: n, parameterCount: p,
            residuals: { t, r in
                var i = 0
                for c in 0..<m { for (xi, yi) in zip(x[c], y[c]) { r[i] = t[1 + 2 * c] - log(exp(t[2 + 2 * c]) + exp(exp(t[0]) * xi)) - yi; i += 1 } }
            },
            jacobian: { t, J in
                for k in 0..<(n * p) { J[k] = 0 }
                var i = 0
                for c in 0..<m {
                    for xi in x[c] {
                        let beta = exp(t[0]), power = exp(beta * xi), f = exp(t[2 + 2 * c]), s = f + power
                        (J[i * p], J[i * p + 1 + 2 * c], J[i * p + 2 + 2 * c]) = (-beta * power * xi / s, 1, -f / s)
                        i += 1
                    }
                }
            })
        let theta = [log(fit.beta)] + fit.laws.flatMap { [log($0.b), log($0.f)] }
        let profileCost = fit.logRMSE * fit.logRMSE * Double(n)
        let joint = try solveLeastSquares(problem, start: theta)
        #expect(joint.sumOfSquares >= profileCost * (1 - 1e-10), "LM lowered the cost from \(profileCost) to \(joint.sumOfSquares)")
        for (a, b) in zip(joint.parameters, theta) { #expect(abs(a - b) < 1e-4, "\(a) vs \(b)") }

        let sigma2 = try #require(fit.residualVariance), blocks = try #require(fit.covarianceBlocks)
        let reference = try solveLeastSquares(problem, start: theta, maxIterations: 0).inverseNormalMatrix
        for c in 0..<m {
            let index = [0, 1 + 2 * c, 2 + 2 * c]
            for u in 0..<3 {
                for v in 0..<3 {
                    let want = sigma2 * reference[index[u] * p + index[v]], got = blocks[c][u * 3 + v]
                    #expect(abs(got - want) <= 1e-6 * max(abs(want), 1e-3 * sigma2 * reference[0]), "candidate \(c) (\(u), \(v)): \(got) vs \(want)")
                }
            }
        }
    }

    // Exact lines: no residual noise, so nothing to shrink; every curve keeps its own exponent.
    @Test func shrunkExponentFitKeepsExactLines() throws {
        let sizes = Array(SyntheticCurves.benchmarkSizes.prefix(4))
        let laws = [(3.0, 0.05), (5.0, 0.12), (4.0, 0.30)].map { PowerLaw(b: $0.0, beta: $0.1, e: 0, f: 0) }
        let curves = laws.enumerated().map { SyntheticCurves.law($1, model: "m\($0)", sizes: sizes, noise: 0, seed: 1) }
        let fit = try ShrunkExponentFit.fit(curves)
        for (got, want) in zip(fit.laws, laws) {
            #expect(abs(got.beta - want.beta) < 1e-12 && abs(got.b / want.b - 1) < 1e-10, "\(got) vs \(want)")
        }
    }

    // Twelve candidates with one true exponent, seen through three points at 1% noise: the
    // per-curve slopes scatter by their sampling error, and shrinking them toward their common mean
    // must cut the total squared error of the exponents (summed over 40 seeds) at least in half. With
    // exponents 0.1 apart and 0.01% noise, the data pin every slope and the shrinkage must not move
    // any by more than 1e-3.
    @Test func shrunkExponentFitPoolsNoisySlopesAndLeavesDistinctOnesAlone() throws {
        let sizes = Array(SyntheticCurves.benchmarkSizes.prefix(3))
        var raw = 0.0, shrunk = 0.0
        for seed in 1...40 as ClosedRange<UInt64> {
            let curves = (0..<12).map { m in
                SyntheticCurves.law(PowerLaw(b: 3 + Double(m), beta: 0.2, e: 0, f: 0), model: "m\(m)", sizes: sizes,
                                    noise: 0.01, seed: seed * 100 + UInt64(m))
            }
            let fit = try ShrunkExponentFit.fit(curves)
            for (curve, law) in zip(curves, fit.laws) {
                let own = -LineFit(x: curve.logSizes, y: curve.logLosses).slope
                raw += (own - 0.2) * (own - 0.2)
                shrunk += (law.beta - 0.2) * (law.beta - 0.2)
            }
        }
        #expect(shrunk < 0.5 * raw, "squared error shrunk \(shrunk) vs per curve \(raw)")

        let distinct = (0..<6).map { m in
            SyntheticCurves.law(PowerLaw(b: 4, beta: 0.05 + 0.1 * Double(m), e: 0, f: 0), model: "m\(m)",
                                sizes: Array(SyntheticCurves.benchmarkSizes.prefix(5)), noise: 0.0001, seed: UInt64(m + 1))
        }
        let fit = try ShrunkExponentFit.fit(distinct)
        for (curve, law) in zip(distinct, fit.laws) {
            #expect(abs(law.beta + LineFit(x: curve.logSizes, y: curve.logLosses).slope) < 1e-3)
        }
    }

    // LensLLM's selection weighs its fits by held-back error: candidates still bending through
    // their transition (one exponent, large offsets F) get the shared-exponent law; straight
    // power laws with exponents of their own get the shrunk lines. 1% noise, five points each.
    @Test func lensllmChoosesTheDesignThatPredictsHeldBackPoints() throws {
        let sizes = Array(SyntheticCurves.benchmarkSizes.prefix(5))
        let bending = (0..<10).map { m in
            SyntheticCurves.law(PowerLaw(b: 20 + 2 * Double(m), beta: 0.6, e: 0, f: 30 + 15 * Double(m)), model: "m\(m)",
                                sizes: sizes, noise: 0.01, seed: UInt64(m + 1))
        }
        let straight = (0..<10).map { m in
            SyntheticCurves.law(PowerLaw(b: 4, beta: 0.05 + 0.03 * Double(m), e: 0, f: 0), model: "m\(m)",
                                sizes: sizes, noise: 0.01, seed: UInt64(m + 1))
        }
        // k = 5: the residual test keeps all five points as the power phase.
        let selection = LensLLMSelection(test: SequentialResidualTest(k: 5))
        let curved = try selection.predict(bending, target: 1_638_400)
        let lines = try selection.predict(straight, target: 1_638_400)
        #expect(curved.weights(.choice) == [.sharedExponent: 1, .shrunkExponents: 0], "\(String(describing: curved.validation))")
        #expect(lines.weights(.choice) == [.sharedExponent: 0, .shrunkExponents: 1], "\(String(describing: lines.validation))")
        #expect(curved.validation?.folds == 2 && lines.validation?.folds == 2)
        // The likelihood weights lean the same way, and the averaged prediction lies between the two fits'.
        #expect(curved.weights(.average)[.sharedExponent]! > 0.5 && lines.weights(.average)[.shrunkExponents]! > 0.5)
        for result in [curved, lines] {
            for (i, averaged) in result.targetLosses(.average).enumerated() {
                let (a, b) = (result.fitTargetLosses[.sharedExponent]![i], result.fitTargetLosses[.shrunkExponents]![i])
                #expect(min(a, b) * (1 - 1e-12) <= averaged && averaged <= max(a, b) * (1 + 1e-12))
            }
        }
    }
}

/// The LensLLM law with a tangent kernel's F(t) (`Offset.kernel`): t is fitted with B, β, E.
struct KernelOffsetTests {
    static let spectrum = SpectralOffset(rate: 0.01, eigenvalues: [0, 0.5, 2], projections: [1, 30, 20])

    @Test func derivativeMatchesCentralDifferences() {
        for t in [1.0, 50, 300] {
            let h = 1e-4 * t
            let difference = (Self.spectrum(steps: t + h) - Self.spectrum(steps: t - h)) / (2 * h)
            #expect(abs(Self.spectrum.derivative(steps: t) - difference) <= 1e-7 * abs(difference))
        }
        // F falls from the whole residual to the part in the kernel's null space.
        #expect(Self.spectrum(steps: 0) == 51 && abs(Self.spectrum(steps: 1e6) - 1) < 1e-12)
    }

    // Noise-free points of B / (F(t*) + D^β) + E with t* = 50 (F = 21.9, crossover near D = 480):
    // the fit recovers t*, B, β and E to 1e-5.
    @Test func fitRecoversTheStepsOfAKernelOffset() throws {
        let truth = PowerLaw(b: 40, beta: 0.5, e: 0.8, f: Self.spectrum(steps: 50))
        let curve = SyntheticCurves.law(truth, model: "k", noise: 0, seed: 1)
        let fit = try PowerLaw.fit(sizes: curve.sizes, losses: curve.losses, offset: .kernel(Self.spectrum))
        let t = try #require(fit.kernelSteps)
        #expect(abs(t - 50) <= 1e-5 * 50, "t \(t)")
        for (got, want) in zip(fit.law.values, truth.values) { #expect(abs(got - want) <= 1e-5 * want, "\(fit.law) vs \(truth)") }
        #expect(fit.freeParameterCount == 4)
    }

    @Test func aKernelThatCannotMoveFIsRefused() {
        let flat = SpectralOffset(rate: 0.01, eigenvalues: [0, 0], projections: [1, 2])
        #expect(throws: FitError.self) { try PowerLaw.fit(sizes: [100, 200, 400, 800, 1600], losses: [3, 2.8, 2.6, 2.5, 2.4], offset: .kernel(flat)) }
    }
}

/// Issue 12, cost bounded by input: the two-regime profile from prefix sums equals the QR solution,
/// and the search is linear in the points.
struct HingeProfileTests {
    @Test func prefixSumProfileEqualsTheQRSolutionAtEveryBreak() throws {
        var rng = SeededGenerator(seed: 5)
        let x = (0..<30).map { 5 + 0.3 * Double($0) }, y = x.map { 2 - 0.05 * $0 + 0.01 * rng.normal() }
        let profile = HingeProfile(x: x, y: y)
        for i in 1..<28 {
            for xb in [x[i], x[i] + 0.37 * (x[i + 1] - x[i])] {
                var a = [Double]()
                for xi in x { a += [1, min(xi - xb, 0), max(xi - xb, 0)] }
                let (_, rss) = try #require(solveLinearLeastSquares(a, rows: 30, columns: 3, y))
                #expect(abs(profile.rss(xb, leftCount: i + 1) - rss) <= 1e-9 * y.map { $0 * $0 }.reduce(0, +), "break \(xb)")
            }
        }
    }

    // 4,000 points: each grid candidate costs O(1), so the fit takes a fraction of a second (it took 41 s
    // when every candidate was a QR solve); the test asserts the break, not the time.
    @Test func aLongCurveIsFittedAndItsBreakFound() throws {
        let sizes = (0..<4000).map { 200 * pow(1.002, Double($0)) }
        let curve = SyntheticCurves.twoRegime(model: "long", sizes: sizes, lossAtBreak: 2, breakSize: 5000,
                                              slopeBefore: -0.02, slopeAfter: -0.3, noise: 0.01, seed: 3)
        let fit = try BrokenPowerLaw.fit(curve)
        #expect(abs(log(fit.breakSize / 5000)) < 0.05 && fit.hasBreak)
    }
}
