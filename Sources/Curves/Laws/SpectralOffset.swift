import Foundation

/// The LensLLM offset as a function of the fine-tuning steps t (the paper's eq. 9 through the tangent
/// kernel's eigen-decomposition Θ = Q Λ Qᵀ, c = Qᵀ(f₀ − y)):
///
///     F(t) = Σ_i exp(−2 η t λ_i) c_i²,    dF/dt = −2 η Σ_i λ_i exp(−2 η t λ_i) c_i²,
///
/// decreasing from ‖f₀ − y‖² at t = 0 toward the part of the residual in Θ's null space. What `lens ntk`
/// measures and `Offset.kernel` fits t on (the paper's "prediction" case).
/// - Complexity: O(m) per evaluation.
public struct SpectralOffset: Sendable, Equatable {
    /// η, the learning rate.
    public var rate: Double
    /// λ_i ≥ 0 and c_i², index by index.
    public var eigenvalues: [Double]
    public var projections: [Double]

    public init(rate: Double, eigenvalues: [Double], projections: [Double]) {
        precondition(eigenvalues.count == projections.count)
        (self.rate, self.eigenvalues, self.projections) = (rate, eigenvalues, projections)
    }

    public func callAsFunction(steps t: Double) -> Double {
        zip(eigenvalues, projections).reduce(0) { $0 + exp(-2 * rate * t * $1.0) * $1.1 }
    }

    public func derivative(steps t: Double) -> Double {
        zip(eigenvalues, projections).reduce(0) { $0 - 2 * rate * $1.0 * exp(-2 * rate * t * $1.0) * $1.1 }
    }
}
