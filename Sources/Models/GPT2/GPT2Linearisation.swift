import Hessian
import LinearAlgebra

/// A model's loss on one batch at fixed weights, with its forward caches and backward cotangents kept:
/// everything in H v that does not depend on v. Each `hessianVectorProduct` then runs only the
/// tangent of the forward pass and the tangent of the backward pass, which is what the Hessian engine
/// needs when it applies H to many vectors on one batch (Lanczos, Hutchinson).
/// - Complexity: building it, one forward pass and a backward pass without parameter gradients (two
///   forward passes' worth of matrix products); each product then six, against the gradient's three.
///   Memory: the activations, the (N, V) dlogits and 16 N C numbers per layer of cotangents.
public struct GPT2Linearisation<S: GEMMScalar> {
    public let model: GPT2<S>
    public let batch: TokenBatch
    /// The loss at the weights, from the forward pass.
    public let loss: GPT2Loss<S>
    let activations: GPT2Activations<S>
    let cotangents: GPT2Cotangents<S>

    /// The memory it holds: the forward caches, the probabilities become dlogits, the cotangents.
    public var bytes: Int { activations.storage.count * MemoryLayout<S>.stride + (head?.bytes ?? 0) }

    /// The bytes a linearisation on `sequences` sequences of `length` tokens holds, before making it:
    /// per layer 22 N C + 4 N + B NH T² activations and 16 N C cotangents; then the embeddings, ln_f,
    /// the (N, V) probabilities turned dlogits, the losses, dlnf, the embeddings' cotangent, one (T, T).
    /// With `headProducts`, the output layer's curvature too when they make the linearisation form it.
    public static func memoryBytes(_ config: GPT2Config, sequences: Int, length: Int, headProducts: Int = 0) -> Int {
        let head = formsHeadCurvature(config, sequences: sequences, length: length, headProducts: headProducts)
            ? GPT2HeadCurvature<S>.memoryBytes(rows: sequences * length, channels: config.channels) : 0
        return passesBytes(config, sequences: sequences, length: length) + head
    }

    /// The passes' caches alone.
    static func passesBytes(_ config: GPT2Config, sequences: Int, length: Int) -> Int {
        let (B, T, C, NH, V, L) = (sequences, length, config.channels, config.heads, config.vocabulary, config.layers)
        let N = B * T
        let perLayer = 22 * N * C + 4 * N + B * NH * T * T + 16 * N * C
        return (L * perLayer + 2 * N * C + 2 * N + N * V + N + 2 * N * C + T * T) * MemoryLayout<S>.stride
    }

    /// Whether a linearisation on `sequences` sequences of `length` tokens with `headProducts` planned
    /// forms the output layer's curvature (`GPT2HeadCurvature.pays`, against the passes' own memory).
    static func formsHeadCurvature(_ config: GPT2Config, sequences: Int, length: Int, headProducts: Int) -> Bool {
        GPT2HeadCurvature<S>.pays(products: headProducts, rows: sequences * length, channels: config.channels,
                                  linearisationBytes: passesBytes(config, sequences: sequences, length: length))
    }

    /// The output layer's curvature per row, when formed (`GPT2HeadCurvature`): the products restricted
    /// to a transformer layer or ln_f then use it instead of the vocabulary-sized products.
    let head: GPT2HeadCurvature<S>?

    /// Runs the forward and backward passes on `batch` and keeps what H v needs of them.
    /// - Parameter headProducts: the block-restricted products on the transformer's layers and ln_f the
    ///   caller plans on it (at most); the output layer's curvature is formed when they repay it
    ///   (`GPT2HeadCurvature.pays`), so that the choice, and every bit of the products, follows from the plan.
    @_specialize(where S == Double)
    @_specialize(where S == Float)
    public init(_ model: GPT2<S>, batch: TokenBatch, headProducts: Int = 0) {
        let (loss, a) = model.forward(batch)
        let c = model.backward(batch, a, gradient: nil, keepCotangents: true)
        (self.model, self.batch, self.loss, activations, cotangents) = (model, batch, loss, a, c)
        let d = GPT2Dimensions(model.config, batch)
        head = Self.formsHeadCurvature(model.config, sequences: d.B, length: d.T, headProducts: headProducts)
            ? model.weights.withUnsafeBufferPointer { w in
                GPT2HeadCurvature(wte: model.layout.tensors(in: w.baseAddress!).wte, dlogits: c.dlogits, targets: batch.targets,
                                  dloss: 1 / S(d.B * (d.T - 1)), N: d.N, C: d.C, V: d.V)
            }
            : nil
    }

    /// Whether the products restricted to the transformer's layers and ln_f use the output layer's
    /// curvature (`GPT2HeadCurvature`).
    public var formedHeadCurvature: Bool { head != nil }

    /// The exact Hessian-vector product H v of the mean loss on the batch, by forward-over-reverse:
    /// the tangent of the forward pass along v, then the tangent of the backward pass (not finite
    /// differences). v and H v are in `GPT2Layout` order; H v is written whole into `hvp`, which must
    /// not overlap v. The workspace's buffers are overwritten, so one workspace serves one product at
    /// a time.
    /// - Complexity: six forward passes' worth of matrix products: the tangents of the logits (2),
    ///   of dlnf (2) and ẇte (2) dominate when the vocabulary does. No allocation.
    @_specialize(where S == Double)
    @_specialize(where S == Float)
    public func hessianVectorProduct(_ v: UnsafePointer<S>, into hvp: UnsafeMutablePointer<S>, workspace: GPT2HVPWorkspace<S>) {
        precondition(workspace.fits(model.config, batch), "a workspace made for another batch shape or model")
        let layout = model.layout
        hvp.update(repeating: 0, count: layout.count)
        model.tangentForward(batch, activations, direction: layout.tensors(in: v), into: workspace.tangents)
        model.tangentBackward(batch, activations, cotangents, direction: layout.tensors(in: v), workspace: workspace,
                              hvp: layout.tensors(in: hvp))
    }

    /// The diagonal block H_bb v_b of the Hessian on one of the model's blocks (`GPT2Layout.blocks`; nil,
    /// with nothing written, for any other range),
    /// for v_b and the result each the block's |b| numbers (in layout order within the block): the
    /// direction is read where it lies and the result written where the caller wants it, with no
    /// padding to the full length. The tangents below the block and the products that only reach
    /// other blocks are skipped.
    /// - Complexity: for a transformer layer, the layers from it up and one of the output layer's three
    ///   pairs of vocabulary-sized products; for the embeddings, the full product's. No allocation.
    @_specialize(where S == Double)
    @_specialize(where S == Float)
    @discardableResult
    public func hessianVectorProduct(_ block: ParameterBlock, _ v: UnsafePointer<S>, into hvp: UnsafeMutablePointer<S>,
                                     workspace: GPT2HVPWorkspace<S>) -> Bool {
        precondition(workspace.fits(model.config, batch), "a workspace made for another batch shape or model")
        let layout = model.layout
        guard let modelBlock = layout.modelBlock(block) else { return false }
        hvp.update(repeating: 0, count: block.range.count)
        let head = modelBlock == .embeddings ? nil : self.head
        model.tangentForward(batch, activations, direction: layout.tensors(in: v, block: block.range), into: workspace.tangents,
                             block: modelBlock, head: head)
        model.tangentBackward(batch, activations, cotangents, direction: layout.tensors(in: v, block: block.range), workspace: workspace,
                              hvp: layout.tensors(in: hvp, block: block.range), block: modelBlock, head: head)
        return true
    }

}

/// The buffers of a Hessian-vector product on one batch shape, allocated once and reused by every
/// product: the forward tangents along v (`GPT2Tangents`, the (N, V) logits' tangent the largest) and
/// the backward tangent's scratch (one layer's worth of cotangent tangents, reused from layer to layer).
/// A `GPT2HessianOperator` holds one, so the Hessian engine's many products allocate nothing.
/// - Complexity: memory N V + L (20 N C + B NH T²) + 21 N C + 2 T² numbers (`bytes`).
public final class GPT2HVPWorkspace<S: GEMMScalar> {
    private let storage = TensorStorage<S>()
    private let config: GPT2Config
    private let batchShape: (batch: Int, length: Int)
    let tangents: GPT2Tangents<S>
    let scratch: Scratch

    /// The backward tangent's buffers: ḋ of one layer's cotangents, of dlnf and of the embeddings'
    /// input, and two (T,T) blocks for attention.
    struct Scratch {
        let layer: GPT2LayerCotangents<S>
        let dlnf, dencoded, attention: UnsafeMutablePointer<S>
    }

    public init(_ config: GPT2Config, _ batch: TokenBatch) {
        let d = GPT2Dimensions(config, batch)
        (self.config, batchShape) = (config, (batch.batch, batch.length))
        tangents = GPT2Tangents(storage, d)
        scratch = Scratch(layer: GPT2LayerCotangents(storage, d), dlnf: storage.take(d.N * d.C), dencoded: storage.take(d.N * d.C),
                          attention: storage.take(2 * d.T * d.T))
    }

    /// The memory it holds.
    public var bytes: Int { storage.count * MemoryLayout<S>.stride }

    /// The bytes a workspace for `sequences` sequences of `length` tokens holds, before making it: the
    /// forward tangents (per layer 20 N C + 2 N + B NH T², then 3 N C + N and the (N, V) logits), one
    /// layer's cotangent tangents (16 N C), ḋlnf and the embeddings' (2 N C), two (T, T).
    public static func memoryBytes(_ config: GPT2Config, sequences: Int, length: Int) -> Int {
        let (B, T, C, NH, V, L) = (sequences, length, config.channels, config.heads, config.vocabulary, config.layers)
        let N = B * T
        return (L * (20 * N * C + 2 * N + B * NH * T * T) + 3 * N * C + N + N * V + 16 * N * C + 2 * N * C + 2 * T * T)
            * MemoryLayout<S>.stride
    }

    func fits(_ config: GPT2Config, _ batch: TokenBatch) -> Bool {
        config == self.config && batch.batch == batchShape.batch && batch.length == batchShape.length
    }
}

extension GPT2 {
    /// The mean loss and the exact Hessian-vector product H v on a batch: a `GPT2Linearisation` used
    /// once. For several products on one batch, keep the linearisation and a workspace instead.
    /// - Complexity: eight forward passes' worth of matrix products against the gradient's three.
    public func hessianVectorProduct(_ batch: TokenBatch, direction v: [S]) -> (loss: GPT2Loss<S>, hvp: [S]) {
        precondition(v.count == weights.count, "direction of the wrong size")
        var hvp = [S](repeating: 0, count: v.count)
        let loss = v.withUnsafeBufferPointer { v in
            hvp.withUnsafeMutableBufferPointer { hessianVectorProduct(batch, direction: v.baseAddress!, into: $0.baseAddress!) }
        }
        return (loss, hvp)
    }

    /// The same into a caller's buffer of `layout.count` numbers (not overlapping v): the linearisation
    /// and the workspace are made for the call and released after it (their memory kept mapped for the
    /// next call of the batch's shape, `PageCache`).
    public func hessianVectorProduct(_ batch: TokenBatch, direction v: UnsafePointer<S>, into hvp: UnsafeMutablePointer<S>) -> GPT2Loss<S> {
        let point = GPT2Linearisation(self, batch: batch)
        point.hessianVectorProduct(v, into: hvp, workspace: GPT2HVPWorkspace(config, batch))
        return point.loss
    }
}
