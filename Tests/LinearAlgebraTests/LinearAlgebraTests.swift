import Foundation
import LinearAlgebra
import Testing

/// The wrappers over GSL and LAPACK against closed forms and independent computations.
struct LinearAlgebraTests {
    // y = a e^{−λ t} + c from exact data: LM must land on the generating parameters.
    @Test func levenbergMarquardtRecoversExponentialDecayFromExactData() throws {
        let t = (0..<20).map { Double($0) / 2 }
        let (a, lambda, c) = (5.0, 0.7, 1.2)
        let y = t.map { a * exp(-lambda * $0) + c }
        let problem = LeastSquaresProblem(
            residualCount: t.count, parameterCount: 3,
            residuals: { x, r in for i in t.indices { r[i] = x[0] * exp(-x[1] * t[i]) + x[2] - y[i] } },
            jacobian: { x, J in
                for i in t.indices {
                    let e = exp(-x[1] * t[i])
                    J[3 * i] = e; J[3 * i + 1] = -t[i] * x[0] * e; J[3 * i + 2] = 1
                }
            })
        let s = try solveLeastSquares(problem, start: [1, 1, 0])
        #expect(s.converged)
        // Exact data, well-conditioned: round-off level, with margin for the stopping tolerance.
        for (got, want) in zip(s.parameters, [a, lambda, c]) { #expect(abs(got - want) < 1e-8) }
        #expect(s.sumOfSquares < 1e-20)
    }

    @Test func nonFiniteStartIsAnErrorNotANaN() {
        let problem = LeastSquaresProblem(
            residualCount: 2, parameterCount: 1,
            residuals: { x, r in r[0] = log(x[0]); r[1] = log(x[0]) - 1 },
            jacobian: { x, J in J[0] = 1 / x[0]; J[1] = 1 / x[0] })
        #expect(throws: LeastSquaresFailure.self) { try solveLeastSquares(problem, start: [-1]) }
    }

    // The inverse normal matrix must equal (JᵀJ)⁻¹ of a linear model, computed here by hand.
    @Test func inverseNormalMatrixOfALineIsTheClosedForm() throws {
        let x: [Double] = [0, 1, 2, 3, 5]
        let problem = LeastSquaresProblem(
            residualCount: 5, parameterCount: 2,
            residuals: { p, r in for i in 0..<5 { r[i] = p[0] + p[1] * x[i] - (1 + 2 * x[i]) } },
            jacobian: { _, J in for i in 0..<5 { J[2 * i] = 1; J[2 * i + 1] = x[i] } })
        let s = try solveLeastSquares(problem, start: [0, 0])
        let (n, sx, sxx) = (5.0, x.reduce(0, +), x.reduce(0) { $0 + $1 * $1 })
        let det = n * sxx - sx * sx
        let expected = [sxx / det, -sx / det, -sx / det, n / det]
        for (got, want) in zip(s.inverseNormalMatrix, expected) { #expect(abs(got - want) < 1e-12) }
    }

    // r(x) = (x² − 4, (x − 2)/2): ½‖r‖² has a global minimum at x = 2 (cost 0) and a local one near
    // x = −1.94 (cost about 3.9). The starts are screened cheapest first: −2.05 (local basin), 3 (global),
    // −4 (local). A multi-start that kept the first polish, or the last, or polished one start, would
    // end in the local minimum; only comparing the polished costs finds x = 2.
    @Test func multiStartReturnsTheLowestOfItsPolishedMinima() throws {
        let problem = LeastSquaresProblem(
            residualCount: 2, parameterCount: 1,
            residuals: { x, r in r[0] = x[0] * x[0] - 4; r[1] = 0.5 * (x[0] - 2) },
            jacobian: { x, J in J[0] = 2 * x[0]; J[1] = 0.5 })
        let local = try solveLeastSquares(problem, start: [-2.05])
        #expect(local.parameters[0] < 0 && local.sumOfSquares > 1, "the local minimum: \(local.parameters), cost \(local.sumOfSquares)")
        let s = try solveLeastSquares(problem, starts: [[-4], [3], [-2.05]])
        #expect(abs(s.parameters[0] - 2) < 1e-8 && s.sumOfSquares < 1e-16, "x = \(s.parameters[0]), cost \(s.sumOfSquares)")
    }

    @Test func lineFitMatchesNormalEquations() {
        let x: [Double] = [1, 2, 4, 7], y: [Double] = [2.1, 3.9, 8.2, 13.8]
        let fit = LineFit(x: x, y: y)
        let n = 4.0, sx = x.reduce(0, +), sy = y.reduce(0, +)
        let sxy = zip(x, y).reduce(0) { $0 + $1.0 * $1.1 }, sxx = x.reduce(0) { $0 + $1 * $1 }
        let slope = (n * sxy - sx * sy) / (n * sxx - sx * sx)
        #expect(abs(fit.slope - slope) < 1e-12)
        #expect(abs(fit.intercept - (sy - slope * sx) / n) < 1e-12)
    }

    @Test func qrLeastSquaresMatchesTheLineFitAndReportsRSS() throws {
        let x: [Double] = [1, 2, 4, 7, 9], y: [Double] = [2.1, 3.9, 8.2, 13.8, 18.5]
        let a = x.flatMap { [1.0, $0] }
        let (solution, rss) = try #require(solveLinearLeastSquares(a, rows: 5, columns: 2, y))
        let line = LineFit(x: x, y: y)
        #expect(abs(solution[0] - line.intercept) < 1e-12 && abs(solution[1] - line.slope) < 1e-12)
        #expect(abs(rss - line.sumOfSquares) < 1e-12)
        #expect(solveLinearLeastSquares([1, 1, 2, 2], rows: 2, columns: 2, [1, 2]) == nil)  // rank deficient
    }

    @Test func statisticsMatchTheirDefinitions() {
        #expect(abs(Statistics.pearson([1, 2, 3], [2, 4, 6.5]) - 0.9979487157886735) < 1e-14)  // numpy.corrcoef
        #expect(Statistics.populationStandardDeviation([1, 3]) == 1)
        #expect(Statistics.median([3, 1, 2, 10]) == 2.5)
        #expect(abs(Statistics.chiSquaredQuantile(0.95, degreesOfFreedom: 1) - 3.841458820694124) < 1e-12)
        #expect(abs(Statistics.fDistributionUpperTail(1, 2, 10) - 0.40188) < 1e-5)
    }

    @Test func brentFindsTheMinimumOfAParabola() throws {
        let m = try #require(minimiseBrent({ ($0 - 1.3) * ($0 - 1.3) + 2 }, lower: 0, guess: 1, upper: 3))
        #expect(abs(m.x - 1.3) < 1e-6 && abs(m.value - 2) < 1e-12)
        #expect(minimiseBrent({ $0 }, lower: 0, guess: 1, upper: 3) == nil)  // no bracket
    }

    // A grid whose best point is interior is refined to the minimum; one whose best point is an end
    // returns that end.
    @Test func gridSearchRefinesInteriorMinimaAndKeepsEndMinima() {
        let grid = stride(from: -3.0, through: 3.0, by: 0.5).map { $0 }
        let inner = minimiseOnGrid({ ($0 - 0.3) * ($0 - 0.3) }, grid: grid, relativeTolerance: 1e-8)
        #expect(abs(inner.x - 0.3) < 1e-6)
        let end = minimiseOnGrid({ exp($0) }, grid: grid)
        #expect(end.x == -3 && end.value == exp(-3))
    }

    // The arrowhead blocks of (JᵀJ)⁻¹ against the dense inverse of the whole JᵀJ by LAPACK dsyevr, on
    // seeded Jacobians of 1 shared and 5 groups of 2 parameters (3 to 7 rows each); and with one group's
    // second column zero, that parameter's row and column are zero as GSL's covariance makes them, the
    // rest equal to the inverse without it. Tolerance 1e-9 relative: the matrices' condition numbers
    // are below 1e4, so round-off stays near 1e-12.
    @Test func arrowheadInverseBlocksMatchTheDenseInverse() throws {
        for seed in 1...5 as ClosedRange<UInt64> {
            var rng = SeededGenerator(seed: seed)
            let rows = (0..<5).map { _ in 3 + Int(rng.uniform() * 5) }
            let a = (0..<rows.reduce(0, +)).map { _ in rng.normal() }
            var groups = rows.map { n in (0..<(2 * n)).map { _ in rng.normal() } }
            if seed == 5 { for r in 0..<rows[2] { groups[2][2 * r + 1] = 0 } }
            let blocks = try #require(ArrowheadNormalMatrix(sharedColumn: a, groupColumns: groups, groupSize: 2).inverseBlocks())

            // Dense J (N, P), P = 11, without the zero column when there is one.
            let n = a.count, dropped = seed == 5 ? 1 + 2 * 2 + 1 : nil
            let columns = (0..<11).filter { $0 != dropped }, p = columns.count
            var j = [Double](repeating: 0, count: n * 11), row = 0
            for (m, g) in groups.enumerated() {
                for r in 0..<rows[m] {
                    j[(row + r) * 11] = a[row + r]
                    j[(row + r) * 11 + 1 + 2 * m] = g[2 * r]
                    j[(row + r) * 11 + 2 + 2 * m] = g[2 * r + 1]
                }
                row += rows[m]
            }
            var normal = [Double](repeating: 0, count: p * p)
            for (u, cu) in columns.enumerated() {
                for (v, cv) in columns.enumerated() { normal[u * p + v] = (0..<n).reduce(0) { $0 + j[$1 * 11 + cu] * j[$1 * 11 + cv] } }
            }
            let (values, vectors) = try #require(SymmetricEigen.dense(normal, n: p, vectors: true).map { ($0.values, $0.vectors!) })
            func inverse(_ u: Int, _ v: Int) -> Double {
                guard let iu = columns.firstIndex(of: u), let iv = columns.firstIndex(of: v) else { return 0 }
                return values.indices.reduce(0) { $0 + vectors[iu * p + $1] * vectors[iv * p + $1] / values[$1] }
            }
            for m in 0..<5 {
                let index = [0, 1 + 2 * m, 2 + 2 * m]
                for u in 0..<3 {
                    for v in 0..<3 {
                        let want = inverse(index[u], index[v]), got = blocks[m][u * 3 + v]
                        #expect(abs(got - want) <= 1e-9 * max(1, abs(inverse(0, 0))), "seed \(seed) group \(m) (\(u), \(v)): \(got) vs \(want)")
                    }
                }
            }
        }
    }

    @Test func seededGeneratorIsDeterministicAndNormalDeviatesHaveUnitVariance() {
        var a = SeededGenerator(seed: 42), b = SeededGenerator(seed: 42)
        #expect((0..<5).map { _ in a.next() } == (0..<5).map { _ in b.next() })
        var g = SeededGenerator(seed: 7)
        let xs = (0..<20_000).map { _ in g.normal() }
        // Standard errors: mean 1/√n ≈ 0.007, variance √(2/n) ≈ 0.01; allow 4 of each.
        #expect(abs(Statistics.mean(xs)) < 0.03)
        #expect(abs(Statistics.populationStandardDeviation(xs) - 1) < 0.04)
    }

    // The vectorised exponential against glibc's, over the range a softmax meets (every length from
    // 1 to 20 exercises the SIMD body and the tail), and its edge cases.
    @Test func sumOfExponentialsAgreesWithGlibcToRoundOff() {
        var rng = SeededGenerator(seed: 7)
        for count in 1...20 {
            let x = (0..<count).map { _ in -700 + 700 * rng.uniform() }
            var stored = x
            let shift = x.max() ?? 0
            let sum = stored.withUnsafeMutableBufferPointer {
                Double.sumOfExponentials($0.baseAddress!, count: count, shift: shift, store: true)
            }
            let reference = x.map { exp($0 - shift) }
            // Each term within a few ulps (the Taylor remainder is below half an ulp); the sum of
            // positive terms keeps that relative accuracy.
            for (got, want) in zip(stored, reference) { #expect(abs(got - want) <= 4 * want.ulp) }
            #expect(abs(sum - reference.reduce(0, +)) <= 1e-15 * max(sum, 1))
            #expect(x.withUnsafeBufferPointer { Double.maximum($0.baseAddress!, count: count) } == (x.max() ?? -.infinity))
        }
        var edge: [Double] = [0, -1000, 1, .nan, 2, 3, 4, 5, 6]
        let withNaN = edge.withUnsafeMutableBufferPointer { Double.sumOfExponentials($0.baseAddress!, count: 9, shift: 0, store: false) }
        #expect(withNaN.isNaN)
        #expect(edge.withUnsafeBufferPointer { Double.maximum($0.baseAddress!, count: 9) }.isNaN)
        let underflow = edge.withUnsafeMutableBufferPointer { Double.sumOfExponentials($0.baseAddress!, count: 2, shift: 0, store: false) }
        #expect(abs(underflow - 1) <= Double.ulpOfOne)  // e^-1000 contributes nothing visible
    }

    // The vectorised tanh against glibc's to a few ulps of 1 (the accuracy GELU's 1 ± tanh needs), on
    // every length from 1 to 20 and out to where tanh saturates; in place like the model calls it.
    @Test func vectorTanhAgreesWithGlibcToAbsoluteRoundOff() {
        var rng = SeededGenerator(seed: 11)
        for count in 1...20 {
            let x = (0..<count).map { _ in -30 + 60 * rng.uniform() } + [0, -0.0, 1e-300, 400, -400].prefix(count % 6)
            var y = x
            y.withUnsafeMutableBufferPointer { Double.tanh($0.baseAddress!, into: $0.baseAddress!, count: $0.count) }
            for (xi, yi) in zip(x, y) { #expect(abs(yi - tanh(xi)) <= 4 * Double.ulpOfOne, "tanh(\(xi))") }
        }
    }
}
