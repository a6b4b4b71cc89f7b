import Foundation
import LinearAlgebra

/// What k Lanczos steps started at v know of H as v sees it, and the bounds that knowledge alone puts
/// on vᵀ H⁺ v: the sharpest certificate the moments allow, with no bound on the spectrum of H needed.
///
/// Let μ be the spectral measure of v/‖v‖, μ = Σᵢ (uᵢᵀv)²/‖v‖² δ(λᵢ), of mass 1, and F(s) = μ((−∞, s]).
/// The run fixes μ's moments up to degree 2k: α₁…α_k and β₁…β_k (β_k the residual norm) define its
/// orthonormal polynomials by β_j P_j(x) = (x − α_j) P_{j−1}(x) − β_{j−1} P_{j−2}(x), P₀ = 1, and every
/// measure with those moments has the same P₀…P_k. For any real t, the canonical representation through
/// t is the (k+1)-point rule with t among its nodes τᵢ and weights ωᵢ = ρ(τᵢ), ρ(x) = 1 / Σ_{j≤k} P_j(x)²,
/// exact for polynomials of degree 2k: Golub's Gauss–Radau rule with t prescribed, the Gauss rule of T_k
/// extended by β_k and α̃ = t + β_k² [(T_k − t)⁻¹]_kk. (Its weights are computed as the squared first
/// components of that matrix's eigenvectors, not from the recurrence for P_j, which is unstable at an
/// isolated eigenvalue, where the P_j decay.) By the Chebyshev–Markov–Stieltjes inequalities in
/// Krein's form (Akhiezer, *The Classical Moment Problem*, 1965, ch. 3), every measure with μ's moments,
/// μ itself included, satisfies
///
///     L(t) = Σ_{τᵢ < t} ωᵢ  ≤  F(t−)  ≤  F(t)  ≤  Σ_{τᵢ ≤ t} ωᵢ = U(t).
///
/// Now vᵀH⁺v / ‖v‖² = ∫ max(x, 0) dμ = ∫₀^∞ (1 − F(s)) ds, and the negative part ∫ max(−x, 0) dμ =
/// ∫_{−∞}^0 F(s) ds. F is nondecreasing, so on a grid s₀ < s₁ < …, on [s_j, s_{j+1}]
///
///     1 − U(s_{j+1}) ≤ 1 − F(s) ≤ 1 − L(s_j),      L(s_j) ≤ F(s) ≤ U(s_{j+1}),
///
/// and the integrals are bounded by the sums of these over the grid. Beyond the grid, Markov's inequality
/// on the even central moments M₂ₘ = ∫ (x − α₁)²ᵐ dμ = ‖(T_k − α₁)ᵐ e₁‖², exact for m < k (and M₂ = β₁²
/// always), bounds the tails: 1 − F(s) ≤ M₂ₘ / (s − α₁)²ᵐ for s > α₁, whose integral from s_J is
/// M₂ₘ / ((2m − 1)(s_J − α₁)²ᵐ⁻¹), the smallest over m ≤ 10 taken; F(s) on the left likewise. Each L and U
/// is a sum of weights that round-off disturbs by O(k ε); every cell's bounds are widened by that much,
/// so cells where the integrand is round-off contribute nothing to the lower sum. Since ∫ x dμ = α₁, the positive part is
/// also α₁ plus the negative part, a second interval to intersect with the first: when H's negative
/// curvature along v is small, it is the tighter one.
///
/// The grid only decides how close the sums come to what the moments allow: it starts at 0, the Ritz
/// values and the midpoints between them, and is refined where the gap between the two sums is widest.
/// What remains, ∫ ρ over the spectrum roughly, is the indeterminacy of μ given 2k moments, which no
/// method using the same k steps can remove.
/// - Complexity: each evaluation of L and U is an O(k²) tridiagonal eigenvalue problem; `evaluations`
///   of them per side.
struct MomentBounds {
    let alpha: [Double]
    let beta: [Double]
    /// The Ritz values (eigenvalues of T_k), ascending.
    let ritz: [Double]

    /// Evaluations of L and U per side of 0 beyond the initial grid.
    static let refinements = 160

    /// - Parameters: α₁…α_k, β₁…β_k with β_k > 0 the residual norm (an invariant space makes the Gauss
    ///   rule exact and needs no bounds), and the Ritz values.
    init(alpha: [Double], beta: [Double], ritz: [Double]) {
        precondition(alpha.count == beta.count && !alpha.isEmpty && beta.allSatisfy { $0 > 0 })
        (self.alpha, self.beta, self.ritz) = (alpha, beta, ritz)
    }

    /// A grid point and the bounds L and U on F there.
    struct Evaluation {
        var point: Double
        var below: Double
        var atOrBelow: Double
    }

    /// The spectrum's scale as the run sees it: the extreme Ritz values and α₁ + β₁.
    var scale: Double {
        max(abs(ritz.first ?? 0), abs(ritz.last ?? 0), abs(alpha[0]) + beta[0], .leastNormalMagnitude)
    }

    /// How far the extended diagonal entry may grow, in units of the spectrum's scale: the eigensolver's
    /// absolute error grows with it, and an error in F over a long stretch of the axis (between a bulk at
    /// 0 and an outlier, say) is multiplied by the stretch's length. At 10 the error stays at the scale of
    /// ε ‖H‖, like every other round-off in the run.
    static let liftLimit = 10.0

    /// L and U at t, or at a point moved from t: near a Ritz value of T_k the extended diagonal entry
    /// β_k²/d_k grows without bound, so the point is moved, by steps growing fourfold from 1e-9 of the
    /// scale, until |β_k²/d_k| ≤ `liftLimit` × scale (a grid point is ours to choose; the bounds hold
    /// wherever it is).
    func evaluate(_ t: Double) -> Evaluation {
        let k = alpha.count, scale = self.scale
        var point = t
        for attempt in 0... {
            // [(T_k − t)⁻¹]_kk = 1/d_k from the LDLᵀ pivots of T_k − t.
            var d = alpha[0] - point
            for j in 1..<k where d != 0 { d = alpha[j] - point - beta[j - 1] * beta[j - 1] / d }
            let lift = beta[k - 1] * beta[k - 1] / d
            if d != 0 && lift.isFinite && abs(lift) <= Self.liftLimit * scale || attempt == 12 {
                let rule = SymmetricEigen.gaussRule(diagonal: alpha + [point + lift], offDiagonal: beta)
                guard d != 0, lift.isFinite, let (nodes, weights) = rule, nodes.count == k + 1,
                      let own = nodes.indices.min(by: { abs(nodes[$0] - point) < abs(nodes[$1] - point) }) else {
                    return Evaluation(point: point, below: 0, atOrBelow: 1)  // the vacuous bounds
                }
                var below = 0.0
                for i in nodes.indices where i != own && nodes[i] < point { below += weights[i] }
                return Evaluation(point: point, below: min(below, 1), atOrBelow: min(below + weights[own], 1))
            }
            point = t + 1e-9 * scale * pow(4, Double(attempt))
        }
        fatalError("unreachable")
    }

    /// Bounds on ∫ max(x, 0) dμ = ∫₀^∞ (1 − F).
    func positivePart() -> ClosedRange<Double> { positivePartWithGrid().bounds }

    /// The bounds and the grid of evaluations they were summed over.
    func positivePartWithGrid() -> (bounds: ClosedRange<Double>, grid: [Evaluation]) {
        let top = ritz.last ?? alpha[0]
        var grid = Self.anchored(([0] + ritz.filter { $0 > 0 }).sorted())
        // A right tail beyond the top Ritz value, doubling until the moment bound on what lies beyond is
        // negligible against the scale.
        var step = scale / 8
        while let last = grid.last, tailBound(distance: last - alpha[0]) > 1e-13 * scale, step < 1e12 * scale {
            grid.append(max(last, top) + step)
            step *= 2
        }
        // Integrand bounds on [s_j, s_{j+1}]: 1 − U(s_{j+1}) ≤ 1 − F ≤ 1 − L(s_j).
        return refine(grid, over: (0, .infinity), tail: { _, last in tailBound(distance: last - alpha[0]) }) { left, right in
            ((1 - right.atOrBelow), (1 - left.below))
        }
    }

    /// Bounds on ∫ max(−x, 0) dμ = ∫_{−∞}^0 F.
    func negativePart() -> ClosedRange<Double> { negativePartWithGrid().bounds }

    /// The bounds and the grid of evaluations they were summed over.
    func negativePartWithGrid() -> (bounds: ClosedRange<Double>, grid: [Evaluation]) {
        let bottom = ritz.first ?? alpha[0]
        var grid = Self.anchored((ritz.filter { $0 < 0 } + [0]).sorted())
        var step = scale / 8
        while let first = grid.first, tailBound(distance: alpha[0] - first) > 1e-13 * scale, step < 1e12 * scale {
            grid.insert(min(first, bottom) - step, at: 0)
            step *= 2
        }
        // Integrand bounds on [s_j, s_{j+1}]: L(s_j) ≤ F ≤ U(s_{j+1}).
        return refine(grid, over: (-.infinity, 0), tail: { first, _ in tailBound(distance: alpha[0] - first) }) { left, right in
            (left.below, right.atOrBelow)
        }
    }

    /// The even central moments M₂, M₄, … that the run fixes exactly: M₂ₘ = ‖(T_k − α₁)ᵐ e₁‖² for m < k,
    /// and M₂ = β₁² for any k.
    var centralMoments: [Double] {
        let k = alpha.count
        var moments = [beta[0] * beta[0]]
        var x = [Double](repeating: 0, count: k)
        x[0] = 1
        for m in 1..<min(k, 11) {
            // x ← (T_k − α₁) x.
            var y = [Double](repeating: 0, count: k)
            for i in 0..<k {
                y[i] = (alpha[i] - alpha[0]) * x[i] + (i > 0 ? beta[i - 1] * x[i - 1] : 0) + (i + 1 < k ? beta[i] * x[i + 1] : 0)
            }
            x = y
            if m > 1 { moments.append(x.reduce(0) { $0 + $1 * $1 }) }
        }
        return moments
    }

    /// A bound on ∫ beyond distance r from α₁ of the tail of μ: min over m of M₂ₘ / ((2m − 1) r²ᵐ⁻¹).
    func tailBound(distance r: Double) -> Double {
        guard r > 0 else { return .infinity }
        return centralMoments.enumerated().map { i, moment in
            let m = Double(i + 1)
            return moment / ((2 * m - 1) * pow(r, 2 * m - 1))
        }.min() ?? .infinity
    }

    /// The anchors and the midpoints between them.
    static func anchored(_ anchors: [Double]) -> [Double] {
        var grid: [Double] = []
        for (i, a) in anchors.enumerated() {
            grid.append(a)
            if i + 1 < anchors.count { grid.append((a + anchors[i + 1]) / 2) }
        }
        return grid
    }

    /// Bounds on the integral over `range` of an integrand in [0, 1] (1 − F or F): per cell of the grid,
    /// its width times the cell's lower and upper integrand bounds, plus the tail beyond the grid's
    /// (moved) first or last point, after
    /// splitting the cell of widest gap `refinements` times. The lower sum counts only what lies inside
    /// the range; the upper sum counts whole cells (more is still a bound) and, where a moved point left
    /// a sliver of the range uncovered, the sliver times 1.
    private func refine(_ initial: [Double], over range: (lower: Double, upper: Double),
                        tail: (_ first: Double, _ last: Double) -> Double,
                        cell: (_ left: Evaluation, _ right: Evaluation) -> (Double, Double))
        -> (bounds: ClosedRange<Double>, grid: [Evaluation]) {
        var values = initial.map(evaluate)
        // Moving a point may have crossed a neighbour: keep the evaluations in order of their points.
        values.sort { $0.point < $1.point }
        // L and U are sums of k + 1 weights, squares of the first components of orthonormal eigenvectors:
        // round-off of a few k ε.
        let allowance = 32 * Double(alpha.count + 1) * Double.ulpOfOne
        func contribution(_ j: Int) -> (low: Double, high: Double) {
            let (a, b) = (values[j].point, values[j + 1].point)
            let inside = max(0, min(b, range.upper) - max(a, range.lower))
            let (low, high) = cell(values[j], values[j + 1])
            return (inside * max(low - allowance, 0), (b - a) * min(max(high + allowance, 0), 1))
        }
        var gaps = (0..<(values.count - 1)).map { j in contribution(j).high - contribution(j).low }
        for _ in 0..<Self.refinements {
            guard let j = gaps.indices.max(by: { gaps[$0] < gaps[$1] }), gaps[j] > 0 else { break }
            let middle = evaluate((values[j].point + values[j + 1].point) / 2)
            guard middle.point > values[j].point && middle.point < values[j + 1].point else { gaps[j] = 0; continue }
            values.insert(middle, at: j + 1)
            gaps.replaceSubrange(j...j, with: [contribution(j).high - contribution(j).low,
                                               contribution(j + 1).high - contribution(j + 1).low])
        }
        var low = 0.0, high = tail(values.first!.point, values.last!.point)
        if range.lower.isFinite, let first = values.first?.point, first > range.lower { high += first - range.lower }
        for j in 0..<(values.count - 1) {
            let c = contribution(j)
            low += c.low
            high += c.high
        }
        return (low...max(low, high), values)
    }
}
