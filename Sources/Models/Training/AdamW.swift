import Foundation

/// AdamW (Loshchilov & Hutter 2019) exactly as PyTorch's `torch.optim.AdamW` steps it:
///
///     θ ← θ (1 − lr λ);  m ← β₁ m + (1 − β₁) g;  v ← β₂ v + (1 − β₂) g²;
///     θ ← θ − lr (m / (1 − β₁ᵗ)) / (√(v / (1 − β₂ᵗ)) + ε),
///
/// with decoupled weight decay λ on every parameter (the paper fine-tunes with λ = 0.01).
/// - Complexity: O(parameters) per step.
public struct AdamW: Sendable {
    public var learningRate: Double
    public var weightDecay: Double
    public var beta1 = 0.9, beta2 = 0.999, epsilon = 1e-8
    public private(set) var step = 0
    private var m: [Double] = [], v: [Double] = []

    public init(learningRate: Double, weightDecay: Double = 0.01) {
        (self.learningRate, self.weightDecay) = (learningRate, weightDecay)
    }

    public mutating func update<S: BinaryFloatingPoint>(_ theta: inout [S], gradient g: [S]) {
        if m.isEmpty { m = [Double](repeating: 0, count: theta.count); v = m }
        precondition(g.count == theta.count && m.count == theta.count)
        step += 1
        let c1 = 1 - pow(beta1, Double(step)), c2 = 1 - pow(beta2, Double(step))
        let stepSize = learningRate / c1, decay = 1 - learningRate * weightDecay
        let root = c2.squareRoot()
        for i in 0..<theta.count {
            let gi = Double(g[i])
            m[i] = beta1 * m[i] + (1 - beta1) * gi
            v[i] = beta2 * v[i] + (1 - beta2) * gi * gi
            let p = Double(theta[i]) * decay
            theta[i] = S(p - stepSize * m[i] / (v[i].squareRoot() / root + epsilon))
        }
    }
}

extension GPT2 {
    /// Fine-tunes on `batches` (one AdamW step per batch, in order), returning the loss before each step.
    /// - Parameter progress: told the steps done and in all after each step.
    public mutating func fineTune(on batches: [TokenBatch], optimizer: inout AdamW,
                                  progress: ((_ done: Int, _ total: Int) -> Void)? = nil) -> [S] {
        var losses: [S] = []
        for batch in batches {
            let (loss, g) = gradient(batch)
            losses.append(loss.mean)
            optimizer.update(&weights, gradient: g)
            progress?(losses.count, batches.count)
        }
        return losses
    }
}
