import LinearAlgebra

/// A model's loss on one batch at fixed weights, with its forward caches and backward cotangents kept:
/// everything in H v that does not depend on v. Each `hessianVectorProduct(_:)` then runs only the
/// tangent of the forward pass and the tangent of the backward pass, which is what the Hessian engine
/// needs when it applies H to many vectors on one batch (Lanczos, Hutchinson).
/// - Complexity: building it, one forward pass and a backward pass without parameter gradients (two
///   forward passes' worth of matrix products); each product then six, against the gradient's three.
///   Memory: the activations, the (N, V) dlogits and about 16 N C numbers per layer of cotangents.
public struct GPT2Linearisation<S: GEMMScalar>: Sendable {
    public let model: GPT2<S>
    public let batch: TokenBatch
    /// The loss at the weights, from the forward pass.
    public let loss: GPT2Loss<S>
    let activations: GPT2Activations<S>
    let cotangents: GPT2Cotangents<S>

    /// Runs the forward and backward passes on `batch` and keeps what H v needs of them.
    @_specialize(where S == Double)
    @_specialize(where S == Float)
    public init(_ model: GPT2<S>, batch: TokenBatch) {
        var (loss, a) = model.forward(batch)
        var noGradient: [S] = []
        cotangents = model.backward(batch, &a, grad: &noGradient, keepCotangents: true)!
        (self.model, self.batch, self.loss, activations) = (model, batch, loss, a)
    }

    /// The exact Hessian-vector product H v of the mean loss on the batch, by forward-over-reverse:
    /// the tangent of the forward pass along v, then the tangent of the backward pass (not finite
    /// differences).
    /// - Complexity: six forward passes' worth of matrix products: the tangents of the logits (2),
    ///   of dlnf (2) and ẇte (2) dominate when the vocabulary does.
    @_specialize(where S == Double)
    @_specialize(where S == Float)
    public func hessianVectorProduct(_ v: [S]) -> [S] {
        precondition(v.count == model.weights.count, "direction of the wrong size")
        var t = model.tangentForward(batch, activations, direction: v)
        var hvp = [S](repeating: 0, count: v.count)
        model.tangentBackward(batch, activations, cotangents, &t, hvp: &hvp)
        return hvp
    }
}

extension GPT2 {
    /// The mean loss and the exact Hessian-vector product H v on a batch: a `GPT2Linearisation` used
    /// once. For several products on one batch, keep the linearisation instead.
    /// - Complexity: eight forward passes' worth of matrix products against the gradient's three.
    public func hessianVectorProduct(_ batch: TokenBatch, direction v: [S]) -> (loss: GPT2Loss<S>, hvp: [S]) {
        let point = GPT2Linearisation(self, batch: batch)
        return (point.loss, point.hessianVectorProduct(v))
    }
}
