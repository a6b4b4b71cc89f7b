import Foundation
import Testing
@testable import proofs_checks
import Theory

/// The verdicts of the checks this session changed, fed planted counterexamples: each could come out
/// the other way.
struct PlantedCounterexampleTests {
    // Theorem 2: a pair whose bound lies below its test loss is a FAILS naming it; none, a HOLDS.
    @Test func theoremTwoFailsOnAPairBelowItsTestLoss() {
        let holding: [(n: Int, bound: Double, loss: Double)] = [(8, 5, 4), (16, 3, 2.5)]
        #expect(theoremTwoVerdict(holding).word == "HOLDS")
        let planted = theoremTwoVerdict(holding + [(32, 2, 2.4)])
        #expect(planted.word == "FAILS" && planted.reason?.contains("n = 32: bound 2") == true, "\(planted.reason ?? "")")
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
}
