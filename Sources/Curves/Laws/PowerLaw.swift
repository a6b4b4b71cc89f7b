import Foundation

/// The saturating power law of fine-tuning loss against data size,
///
///     L(D) = B / (F + D^β) + E,        B, β, E ≥ 0, F ≥ 0,
///
/// which is LensLLM's eq. 10 with F = F(Θ, t) the NTK-derived offset, the rectified law of
/// Lin et al. 2024 (eq. 4, F = D_l the "pre-learned data size"), and for F = 0 the vanilla
/// power law B / D^β + E. At D = 0 it gives the zero-shot loss B / F + E.
public struct PowerLaw: Sendable, Equatable {
    public var b: Double
    public var beta: Double
    public var e: Double
    public var f: Double

    public init(b: Double, beta: Double, e: Double, f: Double) {
        (self.b, self.beta, self.e, self.f) = (b, beta, e, f)
    }

    /// L(D).
    public func callAsFunction(_ d: Double) -> Double {
        b / (f + (d == 0 ? 0 : pow(d, beta))) + e
    }

    /// The crossover D* = F^(1/β) where D^β = F: below it the offset F dominates the denominator and the
    /// loss is nearly flat at B / F + E (the pre-power phase), above it D^β does and the loss falls as a
    /// power law (the power phase). nil without an offset.
    public var crossover: Double? { f > 0 && beta > 0 ? pow(f, 1 / beta) : nil }

    /// The parameters in the order of `PowerLaw.names`.
    public var values: [Double] { [b, beta, e, f] }
    public static let names = ["B", "beta", "E", "F"]
}
