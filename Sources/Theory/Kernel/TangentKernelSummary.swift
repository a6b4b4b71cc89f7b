import _Files
import Curves
import Foundation
import Models

/// What `lens ntk` measures on a checkpoint, as the JSON file that `lens fit --offset-from-ntk` reads:
/// the kernel's spectrum and the residual's projections on it (enough to evaluate F(Θ, t) for any t,
/// `TangentKernelOffset`), the fine-tuning run's η and t, and F both ways.
public struct TangentKernelSummary: Codable, Sendable, Equatable {
    public var checkpoint: String
    public var sequences: Int
    public var parameters: Int
    /// η, the fine-tuning learning rate, and t, its number of steps.
    public var rate: Double
    public var steps: Double
    /// f(x_j), the mean log-likelihood of each probe sequence's targets at the checkpoint.
    public var outputs: [Double]
    public var eigenvalues: [Double]
    public var projections: [Double]
    public var clippedEigenvalues: Int
    /// F(Θ, t) with the matrix exponential (eq. 9), and the element-wise variant for comparison.
    public var offset: Double
    public var elementwiseOffset: Double

    public init(checkpoint: String, parameters: Int, kernel: NeuralTangentKernel, offset: TangentKernelOffset, rate: Double, steps: Double) {
        self.checkpoint = checkpoint
        self.sequences = kernel.sequences
        self.parameters = parameters
        (self.rate, self.steps) = (rate, steps)
        outputs = kernel.outputs
        eigenvalues = offset.eigenvalues
        projections = offset.projections
        clippedEigenvalues = offset.clippedEigenvalues
        self.offset = offset.value(rate: rate, steps: steps)
        elementwiseOffset = TangentKernelOffset.elementwise(kernel, rate: rate, steps: steps)
    }

    /// tr Θ = Σ_j ‖∇f(x_j)‖².
    public var trace: Double { eigenvalues.reduce(0, +) }

    /// F(Θ, t') as a function of the steps t' (the law's "prediction" case fits it).
    public var spectral: SpectralOffset { SpectralOffset(rate: rate, eigenvalues: eigenvalues, projections: projections) }

    /// F(Θ, t') for another number of steps t'.
    public func offset(steps t: Double) -> Double { spectral(steps: t) }

    /// Reads a summary written by `lens ntk --out DIR` (`DIR/ntk.json`).
    /// - Throws: `FileError` naming the file and what is wrong with it.
    public static func read(path: String) throws(FileError) -> TangentKernelSummary {
        let summary = try JSON.decode(TangentKernelSummary.self, path: path, kind: "a `lens ntk` summary (ntk.json)",
                                          realKeys: ["rate", "steps", "outputs", "eigenvalues", "projections", "offset", "elementwiseOffset"])
        guard summary.offset.isFinite, summary.offset >= 0, summary.eigenvalues.count == summary.sequences,
              summary.projections.count == summary.sequences else {
            throw FileError(path, "expected a finite offset >= 0 and one eigenvalue and projection per sequence")
        }
        // A tangent kernel is a Gram matrix: positive semi-definite, so F(t) <= ||f0 - y||^2 at every t.
        if let k = summary.eigenvalues.firstIndex(where: { !($0 >= 0 && $0.isFinite) }) {
            throw FileError(path, "eigenvalues[\(k)] is \(summary.eigenvalues[k]); a tangent kernel's eigenvalues are finite and >= 0")
        }
        if let k = summary.projections.firstIndex(where: { !$0.isFinite }) {
            throw FileError(path, "projections[\(k)] is not finite")
        }
        let recomputed = summary.offset(steps: summary.steps)
        guard abs(recomputed - summary.offset) <= 1e-9 * max(recomputed, summary.offset) + Double.leastNormalMagnitude else {
            throw FileError(path, "offset \(summary.offset) is not F(Theta, t) of the file's eigenvalues and projections at t = \(summary.steps) (\(recomputed))")
        }
        return summary
    }
}
