import Curves
import Foundation
import LinearAlgebra

/// The offset F of the LensLLM law from the tangent kernel (the paper's eq. 9):
///
///     F(Θ, t) = ‖exp(−η t Θ) (f₀ − y)‖²,
///
/// the squared residual that gradient flow with learning rate η leaves after t steps in the linearised
/// (NTK) model, with f₀ the outputs at the checkpoint and y their perfect-fit value (0 for the mean
/// log-likelihood of `NeuralTangentKernel`). With Θ = Q Λ Qᵀ (LAPACK `dsyevr`) and c = Qᵀ(f₀ − y),
///
///     F(t) = Σ_i exp(−2 η t λ_i) c_i²,
///
/// so one decomposition serves every t (the law's "prediction" case fits t). Θ is positive
/// semi-definite; eigenvalues that round-off leaves below zero (by at most m ε λ_max) are set to 0, and
/// `clippedEigenvalues` counts them.
///
/// For comparison, `elementwise` evaluates ‖E (f₀ − y)‖² with E_jk = exp(−η t Θ_jk), the exponential taken
/// element by element: not the matrix exponential, and not a function of the spectrum alone (E has ones
/// where Θ has zeros). (The released LensLLM code forms neither: its Θ is the 0-d scalar ‖∇L_batch‖² of one
/// batch, where both exponentials coincide, and its `torch.matmul` of that 0-d tensor raises; see
/// proofs-checks' eq. 9.)
/// - Complexity: O(m³) once, then O(m) per t.
public struct TangentKernelOffset: Sendable {
    /// λ_i of Θ, ascending.
    public var eigenvalues: [Double]
    /// c_i² = (q_iᵀ (f₀ − y))², in the order of `eigenvalues`.
    public var projections: [Double]
    public var clippedEigenvalues: Int

    /// Decomposes the kernel; nil when LAPACK fails (a non-finite entry) or Θ has an eigenvalue below
    /// −m ε λ_max (not a Gram matrix).
    public init?(kernel: NeuralTangentKernel, perfectFit y: Double = 0) {
        let m = kernel.sequences
        guard kernel.matrix.allSatisfy(\.isFinite), let (values, vectors) = SymmetricEigen.dense(kernel.matrix, n: m, vectors: true),
              let q = vectors else { return nil }
        let top = values.map(abs).max() ?? 0
        let tolerance = Double(m) * Double.ulpOfOne * top
        clippedEigenvalues = values.filter { $0 < 0 }.count
        guard values.allSatisfy({ $0 >= -tolerance }) else { return nil }
        eigenvalues = values.map { max($0, 0) }
        let r = kernel.outputs.map { $0 - y }
        projections = (0..<m).map { i in
            let c = (0..<m).reduce(0) { $0 + q[$1 * m + i] * r[$1] }
            return c * c
        }
    }

    /// F at learning rate η after t steps.
    public func value(rate eta: Double, steps t: Double) -> Double { spectral(rate: eta)(steps: t) }

    /// F as a function of the steps at learning rate η.
    public func spectral(rate eta: Double) -> SpectralOffset {
        SpectralOffset(rate: eta, eigenvalues: eigenvalues, projections: projections)
    }

    /// ‖E (f₀ − y)‖², E_jk = exp(−η t Θ_jk): the element-wise variant, for comparison.
    /// - Complexity: O(m²).
    public static func elementwise(_ kernel: NeuralTangentKernel, perfectFit y: Double = 0, rate eta: Double, steps t: Double) -> Double {
        let m = kernel.sequences
        return (0..<m).reduce(0) { total, j in
            let row = (0..<m).reduce(0) { $0 + exp(-eta * t * kernel.matrix[j * m + $1]) * (kernel.outputs[$1] - y) }
            return total + row * row
        }
    }
}
