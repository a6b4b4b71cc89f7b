import Foundation
import Testing
@testable import proofs_checks
import Theory

/// Every check's verdict fed a planted counterexample (and a case it accepts): each could come out the
/// other way. Lemma 4 is the exception, NOT TESTABLE by its nature (an existence claim over all n).
struct PlantedCounterexampleTests {
    // Theorem 2: a pair whose bound lies below its test loss is a FAILS naming it; none, a HOLDS.
    @Test func theoremTwoFailsOnAPairBelowItsTestLoss() {
        // A bound below the measured loss but above its lower confidence limit is not a refutation.
        let holding: [(seed: UInt64, n: Int, bound: Double, loss: Double, lowerLimit: Double)] = [(1, 8, 5, 4, 3.8), (2, 16, 2.45, 2.5, 2.4)]
        #expect(theoremTwoVerdict(holding).word == "HOLDS")
        let planted = theoremTwoVerdict(holding + [(3, 32, 2, 2.4, 2.3)])
        #expect(planted.word == "FAILS" && planted.reason?.contains("seed 3, n = 32: bound 2") == true, "\(planted.reason ?? "")")
        // The limit: mean 2, s = 1 over 4 values, t(0.95, 3) = 2.353363.
        #expect(abs(lowerConfidenceLimit([1, 2, 3, 2]) - (2 - 2.353363 * (2.0 / 3).squareRoot() / 2)) < 1e-5)
    }

    // eq. 9: a 1 x 1 kernel is its own scalar, so the code's scalar gives eq. 9's F (HOLDS); a kernel with
    // spread eigenvalues planted beside its mean scalar does not (FAILS).
    @Test func equationNineHoldsOnlyWhereAScalarIsTheKernel() {
        let (eta, t) = (0.01, 500.0)
        let one = NeuralTangentKernel(matrix: [3], outputs: [-1.5])
        let offset = TangentKernelOffset(kernel: one)!
        #expect(offsetsAgree(scalarOffset(3, projections: offset.projections, rate: eta, steps: t), offset.value(rate: eta, steps: t)))
        let spread = NeuralTangentKernel(matrix: [4, 1, 1, 0.5], outputs: [-1, -2])
        let kernel = TangentKernelOffset(kernel: spread)!
        let scalar = spread.matrix.reduce(0, +) / 4
        #expect(!offsetsAgree(scalarOffset(scalar, projections: kernel.projections, rate: eta, steps: t), kernel.value(rate: eta, steps: t)))
    }

    // Proposition 1 (1) / Lemma 1 is an algebraic fact: no non-negative h_i break it, so there is no
    // counterexample to plant; what can go wrong is the check itself, so its sides are computed by hand
    // and the tight case (equal h_i) must not count as a violation.
    @Test func cauchySchwarzVerdictComparesTheRightSides() {
        #expect(cauchySchwarzVerdict([(8, [1, 4, 9]), (16, [0, 2])]).word == "HOLDS")
        let (lhs, rhs) = cauchySchwarzSides([1, 4])
        #expect(abs(lhs - 3) < 1e-15 && abs(rhs - 10.0.squareRoot()) < 1e-15)
        // Equal h_i are the tight case: the two sides agree to round-off, and that is not a violation.
        #expect(cauchySchwarzVerdict([(4, [2, 2, 2, 2])]).word == "HOLDS")
    }

    // A decay claim: an interval above 0 HOLDS, below 0 FAILS, across 0 cannot decide.
    @Test func decayVerdictFailsOnGrowth() {
        #expect(decayVerdict(0.2...0.9, of: "x", exponent: "b").word == "HOLDS")
        #expect(decayVerdict((-0.9)...(-0.1), of: "x", exponent: "b").word == "FAILS")
        #expect(decayVerdict((-0.1)...0.5, of: "x", exponent: "b").word == "NOT TESTABLE")
        #expect(decayVerdict(nil, of: "x", exponent: "b").word == "NOT TESTABLE")
    }

    // beta2 <= beta1 is one-sided: refuted only when beta2's interval lies wholly above beta1's.
    @Test func exponentOrderFailsOnlyWhenBetaTwoIsSurelyLarger() {
        #expect(exponentOrderVerdict(beta2: 0.2...0.6, beta1: 0.5...1.0).word == "HOLDS")
        #expect(exponentOrderVerdict(beta2: 0.9...1.4, beta1: 0.1...0.5).word == "FAILS")
        #expect(exponentOrderVerdict(beta2: 0.1...0.3, beta1: 0.5...1.0).word == "HOLDS")
    }

    // Lemma 2: exponents claimed equal FAIL when their intervals are disjoint.
    @Test func exponentsAgreeFailsOnDisjointIntervals() {
        #expect(exponentsAgreeVerdict(0.2...0.6, 0.5...1.0, names: ("a", "b")).word == "HOLDS")
        #expect(exponentsAgreeVerdict(0.2...0.4, 0.5...1.0, names: ("a", "b")).word == "FAILS")
    }

    // Corollary 1 against data: a disagreement on either range FAILS.
    @Test func corollaryDataFailsOnEitherRange() {
        #expect(corollaryDataVerdict(all: true, beyond: nil, detail: "").word == "HOLDS")
        #expect(corollaryDataVerdict(all: true, beyond: true, detail: "").word == "HOLDS")
        #expect(corollaryDataVerdict(all: true, beyond: false, detail: "").word == "FAILS")
        #expect(corollaryDataVerdict(all: false, beyond: nil, detail: "").word == "FAILS")
        #expect(corollaryDataVerdict(all: nil, beyond: nil, detail: "").word == "NOT TESTABLE")
    }

    // Proposition 2: a closed form five standard errors from the Monte Carlo mean is refused; the
    // per-layer formula is the sum of the layers' (checked on a block-diagonal pair by hand).
    @Test func klCheckRefusesAFormulaOffTheMonteCarloMean() {
        #expect(withinStandardErrors(1.0, mean: 1.03, standardError: 0.01))
        #expect(!withinStandardErrors(1.0, mean: 1.05, standardError: 0.01))
        // KL(N(0, I) || N(m, 4 I)) in 2-d: (1/2) [2/4 + |m|^2/4 - 2 + 2 ln 4].
        let kl = gaussianKL(m0: [0, 0], s0: [1, 0, 0, 1], m1: [1, 1], s1: [4, 0, 0, 4])!
        #expect(abs(kl - 0.5 * (0.5 + 0.5 - 2 + 2 * log(4.0))) < 1e-12)
    }

    // eq. 10 (Table 2): the LensLLM law must have the lower error on every data set.
    @Test func lowerErrorFailsWhereTheRectifiedLawWins() {
        #expect(lowerErrorVerdict([("flan", 0.02, 0.05), ("gigaword", 0.03, 0.04)]).word == "HOLDS")
        let planted = lowerErrorVerdict([("flan", 0.02, 0.05), ("gigaword", 0.05, 0.04)])
        #expect(planted.word == "FAILS" && planted.reason?.contains("gigaword") == true)
    }

    // Table 3: refuted where another method is better with confidence, confirmed where lensllm is better
    // with confidence on every data set, undecided otherwise.
    @Test func tableThreeFailsWhereAnotherMethodIsSurelyBetter() {
        #expect(superiorityVerdict([("flan", "ats", 0.5...3), ("gigaword", "ats", 0.1...1)]).word == "HOLDS")
        let planted = superiorityVerdict([("flan", "ats", 0.5...3), ("gigaword", "ats", (-2)...(-0.5))])
        #expect(planted.word == "FAILS" && planted.reason?.contains("gigaword: lensllm - ats in [-2, -0.5]") == true, "\(planted.reason ?? "")")
        #expect(superiorityVerdict([("flan", "ats", 0.5...3), ("gigaword", "ats", (-0.5)...0.4)]).word == "NOT TESTABLE")
    }

    // The cost claim needs one cell with both the reduction and the win.
    @Test func costReductionFailsWithoutACellReachingBoth() {
        #expect(costReductionVerdict([(0.9, 0.8, 0.7)]).word == "HOLDS")
        #expect(costReductionVerdict([(0.9, 0.6, 0.7), (0.5, 0.8, 0.7)]).word == "FAILS")
        #expect(costReductionVerdict([(0.884, 0.8, 0.7)]).word == "FAILS")
    }

    // Across seeds: one failing seed fails the claim; all holding holds it; otherwise undecided.
    @Test func oneFailingSeedFailsTheClaim() {
        #expect(acrossSeeds([(1, .holds), (2, .holds), (3, .holds)]).word == "HOLDS")
        let planted = acrossSeeds([(1, .holds), (2, .fails("x")), (3, .notTestable("y"))])
        #expect(planted.word == "FAILS" && planted.reason == "seed 2: x")
        #expect(acrossSeeds([(1, .holds), (2, .notTestable("y"))]).word == "NOT TESTABLE")
        #expect(acrossSeeds([]).word == "NOT TESTABLE")
    }

    // eq. 10 with the kernel's F: better on every seed holds, worse on every seed fails, mixed is undecided.
    @Test func everySeedVerdictFailsWhenWorseOnEverySeed() {
        #expect(everySeedVerdict([(1, -0.1), (2, -0.2), (3, -0.01)], better: "x").word == "HOLDS")
        #expect(everySeedVerdict([(1, 0.1), (2, 0.2), (3, 0.01)], better: "x").word == "FAILS")
        #expect(everySeedVerdict([(1, -0.1), (2, 0.2), (3, -0.01)], better: "x").word == "NOT TESTABLE")
        #expect(everySeedVerdict([(1, -0.1), (2, .nan)], better: "x").word == "NOT TESTABLE")
    }

    // Table 4: lensllm must need fewer samples than SubTuning and FullTuning on every data set.
    @Test func tableFourFailsWhereLensLLMIsNotCheaper() {
        #expect(cheaperVerdict([("flan", 100, 200, 1000)]).word == "HOLDS")
        let planted = cheaperVerdict([("flan", 100, 200, 1000), ("gigaword", 300, 200, 1000)])
        #expect(planted.word == "FAILS" && planted.reason?.contains("gigaword") == true)
        #expect(cheaperVerdict([]).word == "NOT TESTABLE")
    }

    // Corollary 1's algebra: a ratio to the paper's envelope above 1 fails (the each-block reading's sqrt(l));
    // the tight case, exactly 1, holds.
    @Test func envelopeVerdictFailsAboveThePapersConstant() {
        #expect(envelopeVerdict([(1, 1.0), (2, 0.9)]).word == "HOLDS")
        let planted = envelopeVerdict([(1, 1.0), (2, 2.0.squareRoot())])
        #expect(planted.word == "FAILS" && planted.reason == "l = 2: ratio 1.414")
    }
}
