import Foundation
import LinearAlgebra

/// The spectral density of H by stochastic Lanczos quadrature (Lin, Saad & Yang 2016; Ghorbani et al.
/// 2019; PyHessian's `density`): for each of `probes` seeded Rademacher vectors z, k Lanczos steps from
/// z / ‖z‖ give nodes θⱼ and weights τⱼ² = (e₁ᵀ sⱼ)² with Σⱼ τⱼ² = 1, and
///
///     φ(x) = (1 / probes) Σ_probes Σⱼ τⱼ² g_σ(x − θⱼ),    g_σ the Gaussian of width σ,
///
/// approximates (1/n) Σᵢ δ(x − λᵢ) smoothed by g_σ. Each probe's weights sum to 1 and each Gaussian
/// integrates to 1, so φ integrates to 1.
/// - Complexity: probes × (k applications + O(k² n)).
public struct SpectralDensity: Sendable {
    /// All probes' nodes and weights (weights already divided by the number of probes).
    public var nodes: [Double]
    public var weights: [Double]
    public var width: Double
    public var applications: Int

    public static func estimate<Operator: SymmetricOperator>(
        _ op: Operator, probes: Int, steps k: Int, width: Double, seed: UInt64
    ) -> SpectralDensity {
        precondition(probes >= 1 && k >= 1 && width > 0)
        var rng = SeededGenerator(seed: seed)
        var nodes: [Double] = [], weights: [Double] = []
        var applications = 0
        for _ in 0..<probes {
            var lanczos = LanczosProcess(op, start: TraceEstimation.rademacher(op.dimension, &rng), capacity: k)
            while lanczos.steps < k, lanczos.step() {}
            applications += lanczos.applications
            let pairs = lanczos.ritz()
            nodes += pairs.values
            weights += pairs.firstComponents.map { $0 * $0 / Double(probes) }
        }
        return SpectralDensity(nodes: nodes, weights: weights, width: width, applications: applications)
    }

    /// φ(x).
    public func callAsFunction(_ x: Double) -> Double {
        let norm = 1 / (width * (2 * Double.pi).squareRoot())
        return zip(nodes, weights).reduce(0) { $0 + $1.1 * norm * exp(-0.5 * pow((x - $1.0) / width, 2)) }
    }

    /// (1/n) tr f(H) ≈ Σ weights f(nodes): the SLQ estimate of a spectral sum.
    public func spectralMean(_ f: (Double) -> Double) -> Double {
        zip(nodes, weights).reduce(0) { $0 + $1.1 * f($1.0) }
    }
}
