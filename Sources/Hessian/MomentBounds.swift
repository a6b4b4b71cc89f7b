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
/// The grid only decides how close the sums come to what the moments allow. The Ritz values cost
/// nothing: at the nodes θ_j of T_k's own Gauss rule, weights w_j, the classical inequalities
/// Σ_{θᵢ < θ_j} wᵢ ≤ F(θ_j−) ≤ F(θ_j) ≤ Σ_{θᵢ ≤ θ_j} wᵢ hold (Szegő, *Orthogonal Polynomials*, Thm 3.41.1),
/// read off the Ritz pairs the quadrature has already computed. The grid starts at them, 0 and the tail
/// points, and is refined, one evaluation at a time, in the cell of widest gap, the two sides taking
/// turns, until the interval of ∫ max(x, 0) dμ is within a requested relative width or a cap
/// of evaluations is spent. What remains, ∫ ρ over the spectrum roughly, is the indeterminacy of μ
/// given 2k moments, which no method using the same k steps can remove.
/// - Complexity: each evaluation of L and U off the Ritz values is an O(k²) tridiagonal eigenproblem
///   (LAPACK dstemr); at most `refinements` of them beyond the tail points.
struct MomentBounds {
    let alpha: [Double]
    let beta: [Double]
    /// The Ritz values (eigenvalues of T_k), ascending, and their Gauss weights (squared first components).
    let ritz: [Double]
    let ritzWeights: [Double]

    /// Evaluations of L and U beyond the initial grid, at most: 160 per side of 0.
    static let refinements = 320

    /// - Parameters: α₁…α_k, β₁…β_k with β_k > 0 the residual norm (an invariant space makes the Gauss
    ///   rule exact and needs no bounds), and T_k's Ritz values with their weights.
    init(alpha: [Double], beta: [Double], ritz: [Double], ritzWeights: [Double]) {
        precondition(alpha.count == beta.count && !alpha.isEmpty && beta.allSatisfy { $0 > 0 })
        precondition(ritz.count == alpha.count && ritzWeights.count == ritz.count)
        (self.alpha, self.beta, self.ritz, self.ritzWeights) = (alpha, beta, ritz, ritzWeights)
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

    /// L and U beyond the Ritz values, in O(k): the k + 1 nodes of the rule through t interlace with the
    /// Ritz values (τ₀ < θ₁ < τ₁ < … < θ_k < τ_k), so for t > θ_k every other node lies below t and
    /// L(t) = 1 − ρ(t), U(t) = 1; for t < θ₁, L(t) = 0 and U(t) = ρ(t). The weight at t is the squared
    /// first component of J_t's eigenvector (x; 1)/‖(x; 1)‖ with x = β_k (t − T_k)⁻¹ e_k, and t − T_k is
    /// definite there, so its LDLᵀ factorisation needs no pivoting.
    func evaluateOutside(_ t: Double) -> Evaluation {
        let k = alpha.count, sign: Double = t > (ritz.last ?? 0) ? 1 : -1
        precondition(t > ritz.last! || t < ritz.first!, "only beyond the Ritz values")
        // sign (t − T_k) is positive definite: its pivots d_j > 0; solve for x by forward and back substitution.
        var d = [Double](repeating: 0, count: k), l = [Double](repeating: 0, count: k)
        d[0] = sign * (t - alpha[0])
        for j in 1..<k {
            l[j] = -sign * beta[j - 1] / d[j - 1]
            d[j] = sign * (t - alpha[j]) + sign * beta[j - 1] * l[j]
        }
        guard d.allSatisfy({ $0 > 0 && $0.isFinite }) else { return Evaluation(point: t, below: 0, atOrBelow: 1) }
        // L D Lᵀ y = sign β_k e_k: L z = e_k β_k sign leaves z = that; then y = D⁻¹ z, Lᵀ x = y.
        var x = [Double](repeating: 0, count: k)
        x[k - 1] = sign * beta[k - 1] / d[k - 1]
        for j in stride(from: k - 2, through: 0, by: -1) { x[j] = -l[j + 1] * x[j + 1] }
        let weight = min(x[0] * x[0] / (1 + x.reduce(0) { $0 + $1 * $1 }), 1)
        return sign > 0 ? Evaluation(point: t, below: 1 - weight, atOrBelow: 1) : Evaluation(point: t, below: 0, atOrBelow: weight)
    }

    /// L and U at the Ritz values, from T_k's Gauss rule, without an eigenproblem.
    var ritzEvaluations: [Evaluation] {
        var evaluations: [Evaluation] = [], cumulative = [0.0]
        for w in ritzWeights { cumulative.append(cumulative.last! + w) }
        for (j, theta) in ritz.enumerated() {
            // Ties: L counts the nodes strictly below, U every node at or below.
            let first = ritz.firstIndex { $0 >= theta } ?? j, last = ritz.lastIndex { $0 <= theta } ?? j
            evaluations.append(Evaluation(point: theta, below: min(cumulative[first], 1), atOrBelow: min(cumulative[last + 1], 1)))
        }
        return evaluations
    }

    /// Bounds on ∫ max(x, 0) dμ, the truncated form over ‖v‖²: the intersection of the direct bounds on
    /// ∫₀^∞ (1 − F) with α₁ + the bounds on ∫_{−∞}^0 F. Refinement stops once the interval's width is at
    /// most `relativeWidth` times its lower end (never, at 0) or `refinements` evaluations are spent.
    func truncatedMass(relativeWidth: Double = 0, refinements: Int = MomentBounds.refinements) -> ClosedRange<Double> {
        let zero = evaluate(0)
        var positive = positiveSide(zero: zero), negative = negativeSide(zero: zero)
        func combined() -> ClosedRange<Double> {
            let (p, n) = (positive.bounds, negative.bounds)
            let lower = max(p.lowerBound, alpha[0] + n.lowerBound)
            return lower...max(min(p.upperBound, alpha[0] + n.upperBound), lower)
        }
        // The sides take turns: either may be the one that decides the intersection, and either may sit at
        // what its moments allow while the other still improves.
        for turn in 0..<refinements {
            let c = combined()
            if relativeWidth > 0 && c.upperBound - c.lowerBound <= relativeWidth * c.lowerBound { break }
            if turn.isMultiple(of: 2) ? !positive.refine(evaluate) && !negative.refine(evaluate)
                                      : !negative.refine(evaluate) && !positive.refine(evaluate) { break }
        }
        return combined()
    }

    /// The side ∫₀^∞ (1 − F): 0, the positive Ritz values, and a right tail beyond the top one, doubling
    /// until the moment bound on what lies beyond is negligible against the scale. On [s_j, s_{j+1}],
    /// 1 − U(s_{j+1}) ≤ 1 − F ≤ 1 − L(s_j).
    func positiveSide(zero: Evaluation) -> Side {
        let top = ritz.last ?? alpha[0]
        var points: [Double] = []
        var step = scale / 8, last = max(top, 0)
        while tailBound(distance: last - alpha[0]) > 1e-13 * scale, step < 1e12 * scale {
            last = max(last, top) + step
            points.append(last)
            step *= 2
        }
        let grid = [zero] + ritzEvaluations.filter { $0.point > 0 } + points.map(evaluateOutside)
        return Side(grid, range: (0, .infinity), allowance: allowance,
                    tail: { _, last in tailBound(distance: last - alpha[0]) },
                    cell: { left, right in (1 - right.atOrBelow, 1 - left.below) })
    }

    /// The side ∫_{−∞}^0 F, mirrored: on [s_j, s_{j+1}], L(s_j) ≤ F ≤ U(s_{j+1}).
    func negativeSide(zero: Evaluation) -> Side {
        let bottom = ritz.first ?? alpha[0]
        var points: [Double] = []
        var step = scale / 8, first = min(bottom, 0)
        while tailBound(distance: alpha[0] - first) > 1e-13 * scale, step < 1e12 * scale {
            first = min(first, bottom) - step
            points.append(first)
            step *= 2
        }
        let grid = points.map(evaluateOutside) + ritzEvaluations.filter { $0.point < 0 } + [zero]
        return Side(grid, range: (-.infinity, 0), allowance: allowance,
                    tail: { first, _ in tailBound(distance: alpha[0] - first) },
                    cell: { left, right in (left.below, right.atOrBelow) })
    }

    /// L and U are sums of k + 1 weights, squares of the first components of orthonormal eigenvectors:
    /// round-off of a few k ε, allowed for in every cell.
    var allowance: Double { 32 * Double(alpha.count + 1) * Double.ulpOfOne }

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

    /// Bounds on the integral over `range` of an integrand in [0, 1] (1 − F or F) on a grid of
    /// evaluations: per cell, its width times the cell's lower and upper integrand bounds, plus the tail
    /// beyond the grid's first or last point. The lower sum counts only what lies inside the range; the
    /// upper sum counts whole cells (more is still a bound) and, where a moved point left a sliver of the
    /// range uncovered, the sliver times 1.
    struct Side {
        private(set) var values: [Evaluation]
        private var gaps: [Double] = []
        let range: (lower: Double, upper: Double)
        let allowance: Double
        let tail: (_ first: Double, _ last: Double) -> Double
        let cell: (_ left: Evaluation, _ right: Evaluation) -> (Double, Double)

        init(_ grid: [Evaluation], range: (lower: Double, upper: Double), allowance: Double,
             tail: @escaping (Double, Double) -> Double, cell: @escaping (Evaluation, Evaluation) -> (Double, Double)) {
            // Moving a point may have crossed a neighbour: keep the evaluations in order of their points.
            values = grid.sorted { $0.point < $1.point }
            (self.range, self.allowance, self.tail, self.cell) = (range, allowance, tail, cell)
            gaps = (0..<max(values.count - 1, 0)).map(gap)
        }

        private func contribution(_ j: Int) -> (low: Double, high: Double) {
            let (a, b) = (values[j].point, values[j + 1].point)
            let inside = max(0, min(b, range.upper) - max(a, range.lower))
            let (low, high) = cell(values[j], values[j + 1])
            return (inside * max(low - allowance, 0), (b - a) * min(max(high + allowance, 0), 1))
        }

        private func gap(_ j: Int) -> Double { contribution(j).high - contribution(j).low }

        var bounds: ClosedRange<Double> {
            guard let first = values.first?.point, let last = values.last?.point else { return 0...Double.infinity }
            var low = 0.0, high = tail(first, last)
            if range.lower.isFinite, first > range.lower { high += first - range.lower }
            for j in 0..<(values.count - 1) {
                let c = contribution(j)
                low += c.low
                high += c.high
            }
            return low...max(low, high)
        }

        var width: Double { bounds.upperBound - bounds.lowerBound }

        /// Splits the cell of widest gap at its midpoint; false when no cell can be split.
        mutating func refine(_ evaluate: (Double) -> Evaluation) -> Bool {
            while let j = gaps.indices.max(by: { gaps[$0] < gaps[$1] }), gaps[j] > 0 {
                let middle = evaluate((values[j].point + values[j + 1].point) / 2)
                guard middle.point > values[j].point && middle.point < values[j + 1].point else { gaps[j] = 0; continue }
                values.insert(middle, at: j + 1)
                gaps.replaceSubrange(j...j, with: [gap(j), gap(j + 1)])
                return true
            }
            return false
        }
    }
}
