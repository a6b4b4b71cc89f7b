import Foundation
import LinearAlgebra

/// The loss curve that Corollary 1 of the paper implies,
///
///     L(n) = E + C₃ n^(−β₃) + K n^(−3/4),        E, C₃, K ≥ 0,  0 < β₃ < 3/4,
///
/// the power-phase term C₃ n^(−β₃) (β₃ = (β₂ + 1)/2 from h_i ≤ C₂ n^(−β₂)) plus the O(n^(−3/4))
/// remainder of Theorem 2. For β₃ < 3/4 the remainder dominates at small n (the pre-power phase)
/// and the power term at large n; they are equal at
///
///     n* = (K / C₃)^(1 / (3/4 − β₃)),
///
/// the transition. Fitted by least squares in log-loss with θ = (log E, log C₃, log K, u),
/// β₃ = ¾ σ(u); the 95% interval of n* is exp(log n* ± 1.96 se), se by the delta method from
/// σ̂² (JᵀJ)⁻¹. Corollary 1 further says β₃ > 1/2 (β₂ > 0); `corollaryConsistent` reports it.
/// - Complexity: 24 start screens and 4 LM polishes of O(m) residuals.
public struct CorollaryShape: Sendable {
    public var e: Double
    public var c3: Double
    public var k: Double
    public var beta3: Double
    /// n*, where the two terms are equal (may lie outside the data).
    public var crossover: Double
    /// 95% interval of n*; nil without residual degrees of freedom.
    public var interval: ClosedRange<Double>?
    public var logRMSE: Double
    public var pointCount: Int

    /// β₂ = 2β₃ − 1, the Hessian exponent Corollary 1 implies.
    public var beta2: Double { 2 * beta3 - 1 }
    /// Whether β₃ > 1/2, as Corollary 1 requires.
    public var corollaryConsistent: Bool { beta3 > 0.5 }

    public static let minimumPoints = 5
    private static let remainder = 0.75

    public func callAsFunction(_ n: Double) -> Double {
        e + c3 * pow(n, -beta3) + k * pow(n, -Self.remainder)
    }

    public static func fit(_ curve: LossCurve) throws(FitError) -> CorollaryShape {
        let m = curve.count
        guard m >= minimumPoints else {
            throw FitError("\(m) points; the Corollary 1 shape needs at least \(minimumPoints)")
        }
        let n = curve.sizes, logL = curve.logLosses
        func unpack(_ t: UnsafeBufferPointer<Double>) -> (e: Double, c: Double, k: Double, beta: Double, dBeta: Double) {
            let s = 1 / (1 + exp(-t[3]))
            return (exp(t[0]), exp(t[1]), exp(t[2]), remainder * s, remainder * s * (1 - s))
        }
        let problem = LeastSquaresProblem(
            residualCount: m, parameterCount: 4,
            residuals: { t, r in
                let p = unpack(t)
                for i in 0..<m { r[i] = log(p.e + p.c * pow(n[i], -p.beta) + p.k * pow(n[i], -remainder)) - logL[i] }
            },
            jacobian: { t, J in
                let p = unpack(t)
                for i in 0..<m {
                    let power = p.c * pow(n[i], -p.beta), rest = p.k * pow(n[i], -remainder)
                    let l = p.e + power + rest
                    J[4 * i] = p.e / l
                    J[4 * i + 1] = power / l
                    J[4 * i + 2] = rest / l
                    J[4 * i + 3] = -power * log(n[i]) * p.dBeta / l
                }
            })

        // Starts: for each of `StartGrid`'s exponents β₃ and floors E, (C₃, K) from the linear least
        // squares of L − E on (n^−β₃, n^−3/4), floored at a small positive value.
        let minLoss = curve.losses.min()!
        let starts = StartGrid.starts([StartGrid.exponents, StartGrid.floorFractions]) { point in
            let (beta, e) = (point[0], point[1] * minLoss)
            var a = [Double](), b = [Double]()
            for i in 0..<m {
                a += [pow(n[i], -beta), pow(n[i], -remainder)]
                b.append(curve.losses[i] - e)
            }
            // Both amplitudes must be positive to take their logs; a least-squares value at or below
            // zero means "negligible", so start it a millionth of the loss scale up.
            let floor = 1e-6 * minLoss
            let (c, k) = solveLinearLeastSquares(a, rows: m, columns: 2, b)
                .map { (max($0.solution[0], floor), max($0.solution[1], floor)) } ?? (floor, floor)
            let s = beta / remainder
            return [log(e), log(c), log(k), log(s / (1 - s))]
        }
        let solution: LeastSquaresSolution
        do {
            solution = try solveLeastSquares(problem, starts: starts, polish: StartGrid.polished)
        } catch {
            throw FitError("the Corollary 1 shape could not be fitted: \(error)")
        }
        let theta = solution.parameters
        let p = theta.withUnsafeBufferPointer(unpack)
        let gap = remainder - p.beta
        let logCrossover = (theta[2] - theta[1]) / gap
        var interval: ClosedRange<Double>?
        if m > 4 {
            let sigma2 = solution.sumOfSquares / Double(m - 4)
            let g = [0, -1 / gap, 1 / gap, logCrossover / gap * p.dBeta]
            var variance = 0.0
            for i in 0..<4 { for j in 0..<4 { variance += g[i] * solution.inverseNormalMatrix[4 * i + j] * g[j] } }
            let se = (sigma2 * variance).squareRoot()
            let z = 1.959964  // the normal distribution's 97.5% quantile: a two-sided 95% interval
            if se.isFinite { interval = exp(logCrossover - z * se)...exp(logCrossover + z * se) }
        }
        guard [p.e, p.c, p.k, p.beta, logCrossover].allSatisfy({ $0.isFinite }) else {
            throw FitError("the Corollary 1 fit diverged")
        }
        return CorollaryShape(e: p.e, c3: p.c, k: p.k, beta3: p.beta, crossover: exp(logCrossover),
                              interval: interval,
                              logRMSE: (solution.sumOfSquares / Double(m)).squareRoot(), pointCount: m)
    }
}
