import Foundation
import Hessian
import LinearAlgebra
import Testing

/// Acceptance 1 of the Hessian-engine issue: Lanczos against LAPACK's dense eigensolver.
struct LanczosTests {
    /// Every Ritz value of a run to k = n (restarting on breakdown), ascending.
    func fullSpectrum(_ op: DenseSymmetricOperator, seed: UInt64) -> (values: [Double], restarts: Int) {
        var rng = SeededGenerator(seed: seed)
        var lanczos = LanczosProcess(op, start: (0..<op.dimension).map { _ in rng.normal() },
                                     capacity: op.dimension, restartOnBreakdown: true, seed: seed)
        while lanczos.step() {}
        return (lanczos.ritz().values, lanczos.restarts.count)
    }

    static let cases: [(name: String, make: @Sendable () -> DenseSymmetricOperator)] = [
        ("wishart", { TestMatrices.wishart(n: 200, m: 400, seed: 1) }),
        ("rank-deficient wishart", { TestMatrices.wishart(n: 160, m: 40, seed: 2) }),
        ("indefinite, clustered", {
            var rng = SeededGenerator(seed: 3)
            let centres = [-2.0, -0.5, 0.3, 1.0, 4.0]
            return TestMatrices.withSpectrum((0..<250).map { centres[$0 % 5] + 1e-6 * rng.normal() }, seed: 3)
        }),
        ("exactly repeated", { TestMatrices.withSpectrum((0..<120).map { Double($0 % 6) - 2 }, seed: 4) }),
    ]

    // Full reorthogonalisation keeps Q orthonormal to round-off, so at k = n the Ritz values are the
    // eigenvalues up to O(n ε ‖H‖): 1e-10 relative to ‖H‖ leaves a wide margin at n ≤ 250.
    @Test(arguments: cases.indices)
    func lanczosWithFullBasisReproducesDenseSpectrum(index: Int) {
        let (name, make) = Self.cases[index]
        let op = make()
        let reference = TestMatrices.denseSpectrum(op)
        let (values, restarts) = fullSpectrum(op, seed: UInt64(index + 10))
        #expect(values.count == op.dimension, "\(name): \(values.count) Ritz values")
        let scale = reference.map(abs).max()!
        let worst = zip(values, reference).map { abs($0 - $1) }.max()!
        #expect(worst <= 1e-10 * scale, "\(name): worst error \(worst / scale) relative (\(restarts) restarts)")
        if name == "exactly repeated" { #expect(restarts >= 1, "repeated eigenvalues need restarts") }
    }

    // Top 5 of {20, 18, 16, 14, 12} above a bulk in [−1, 1], n = 2000: gaps of 10% converge fast.
    @Test func topFiveOfAWellSeparatedSpectrumConvergeWithin60Applications() {
        var rng = SeededGenerator(seed: 5)
        let top = [20.0, 18, 16, 14, 12]
        let lambda = top + (0..<1995).map { _ in 2 * rng.uniform() - 1 }
        let op = TestMatrices.withSpectrum(lambda, seed: 5, reflections: 3)
        let reference = Array(TestMatrices.denseSpectrum(op).suffix(5).reversed())
        let result = ExtremeEigenpairs.compute(op, count: 5, tolerance: 1e-10, maxSteps: 60)
        #expect(result.applications <= 60)
        for (got, want) in zip(result.values, reference) {
            #expect(abs(got - want) <= 1e-8 * abs(want), "\(got) vs \(want)")
        }
    }

    // For symmetric H, [θ − ρ, θ + ρ] holds an eigenvalue: the reported residual bounds the error.
    @Test(arguments: [1, 2, 3, 4, 5] as [UInt64])
    func reportedResidualsBoundTheTrueErrors(seed: UInt64) {
        var rng = SeededGenerator(seed: seed)
        let lambda = (0..<300).map { _ in 3 * rng.normal() }
        let op = TestMatrices.withSpectrum(lambda, seed: seed)
        let reference = TestMatrices.denseSpectrum(op)
        for end in [SpectrumEnd.largest, .smallest] {
            let result = ExtremeEigenpairs.compute(op, count: 4, end: end, tolerance: 1e-14, maxSteps: 25, seed: seed)
            for (value, residual) in zip(result.values, result.residuals) {
                let error = reference.map { abs($0 - value) }.min()!
                #expect(error <= residual + 1e-12 * 10, "error \(error) > residual \(residual)")
            }
        }
    }

    @Test func ritzVectorsAreUnitEigenvectorsWithTheReportedResidual() {
        let op = TestMatrices.wishart(n: 120, m: 300, seed: 6)
        let result = ExtremeEigenpairs.compute(op, count: 3, tolerance: 1e-9)
        #expect(result.converged)
        for (value, (vector, residual)) in zip(result.values, zip(result.vectors, result.residuals)) {
            let hv = op.apply(vector)
            let norm = vector.reduce(0) { $0 + $1 * $1 }.squareRoot()
            let trueResidual = zip(hv, vector).reduce(0) { $0 + pow($1.0 - value * $1.1, 2) }.squareRoot()
            #expect(abs(norm - 1) < 1e-10)
            #expect(abs(trueResidual - residual) <= 1e-9 * max(1, abs(value)), "\(trueResidual) vs \(residual)")
        }
    }

    // Issue 20: the reported residuals β_k |e_kᵀ s_j| against ‖H y_j − θ_j y_j‖ formed from the Ritz
    // vectors, after few steps, far from convergence (where a wrong row of S would give a wrong number,
    // not two small ones).
    @Test func ritzResidualsMatchTheirVectorsBeforeConvergence() {
        let op = TestMatrices.wishart(n: 80, m: 200, seed: 7)
        var rng = SeededGenerator(seed: 8)
        for k in [2, 3, 5, 8] {
            var lanczos = LanczosProcess(op, start: (0..<80).map { _ in rng.normal() }, capacity: k)
            while lanczos.steps < k, lanczos.step() {}
            let pairs = lanczos.ritz()
            let scale = TestMatrices.denseSpectrum(op).last!
            for j in pairs.values.indices {
                let y = lanczos.ritzVector(pairs, j), hy = op.apply(y)
                let residual = zip(hy, y).reduce(0) { $0 + pow($1.0 - pairs.values[j] * $1.1, 2) }.squareRoot()
                #expect(abs(residual - pairs.residuals[j]) <= 1e-9 * scale, "k \(k), pair \(j): \(residual) vs \(pairs.residuals[j])")
                #expect(residual > 1e-6 * scale || k == 8, "far from convergence, the residuals are not negligible")
            }
        }
    }

    @Test func float32BasisStillFindsTheTopEigenvalueToSinglePrecisionOrthogonality() {
        let op = TestMatrices.wishart(n: 150, m: 300, seed: 7)
        let reference = TestMatrices.denseSpectrum(op).last!
        let result = ExtremeEigenpairs.compute(op, count: 1, tolerance: 1e-8, precision: .single)
        #expect(abs(result.values[0] - reference) <= 1e-6 * reference)
        #expect(LanczosProcess<DenseSymmetricOperator>.memoryBytes(dimension: 150, steps: 40, precision: .single) == 150 * 40 * 4)
    }

    @Test func powerIterationFollowsPyHessianAndFindsTheLargestMagnitude() {
        let op = DiagonalOperator([1, -5, 3, 0.5])
        let result = PowerIteration.compute(op, maxIterations: 500, tolerance: 1e-10)
        #expect(abs(result.values[0] + 5) < 1e-8)
        #expect(result.converged)
    }

    @Test func blockRestrictionIsTheDiagonalBlock() {
        let op = TestMatrices.wishart(n: 10, m: 20, seed: 8)
        let block = ParameterBlock(name: "b", range: 3..<7)
        let restricted = BlockRestriction(op, block: block)
        let x: [Double] = [1, -2, 0.5, 3]
        let y = restricted.apply(x)
        for i in 0..<4 {
            let expected = (0..<4).reduce(0.0) { $0 + op.entries[(3 + i) * 10 + 3 + $1] * x[$1] }
            #expect(abs(y[i] - expected) < 1e-12)
        }
        let counted = CountingOperator(LinearCombination(2, op, -1, DiagonalOperator([Double](repeating: 1, count: 10))))
        let z = counted.apply((0..<10).map(Double.init))
        let w = op.apply((0..<10).map(Double.init))
        for i in 0..<10 { #expect(abs(z[i] - (2 * w[i] - Double(i))) < 1e-12) }
        #expect(counted.applications == 1)
    }
}
