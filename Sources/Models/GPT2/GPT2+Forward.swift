import LinearAlgebra

/// A GPT-2 model whose arithmetic runs in `S` (Float64 for Hessian work, Float32 for throughput).
public struct GPT2<S: GEMMScalar>: Sendable {
    public let config: GPT2Config
    /// Where each tensor lives in `weights` (and in gradients, directions and HVPs).
    public let layout: GPT2Layout
    /// The parameters in `GPT2Layout` order, converted to S.
    public var weights: [S]

    public init(_ parameters: GPT2Parameters) {
        (config, layout) = (parameters.config, parameters.layout)
        weights = parameters.values.map { S($0) }
    }

    /// The weights as Float64 parameters, for saving.
    public func parameters() -> GPT2Parameters {
        GPT2Parameters(config: config, values: weights.map { Double($0) })
    }
}

/// What the forward pass keeps of one layer for the backward and tangent passes (N = B·T).
struct GPT2LayerActivations<S: GEMMScalar> {
    let ln1, ln1Mean, ln1Rstd: UnsafeMutablePointer<S>          // (N,C), (N), (N)
    let qkv: UnsafeMutablePointer<S>                             // (N,3C)
    let att: UnsafeMutablePointer<S>                             // (B,NH,T,T) softmax
    let attY, attProj, residual2: UnsafeMutablePointer<S>        // (N,C)
    let ln2, ln2Mean, ln2Rstd: UnsafeMutablePointer<S>           // (N,C), (N), (N)
    let fch, fchTanh, fchGelu: UnsafeMutablePointer<S>           // (N,4C); fchTanh = tanh u of GELU
    let fcProj, residual3: UnsafeMutablePointer<S>               // (N,C); residual3 is the layer's output

    init(_ storage: TensorStorage<S>, _ d: GPT2Dimensions) {
        let (N, C) = (d.N, d.C)
        (ln1, ln1Mean, ln1Rstd) = (storage.take(N * C), storage.take(N), storage.take(N))
        qkv = storage.take(N * 3 * C)
        att = storage.take(d.B * d.NH * d.T * d.T)
        (attY, attProj, residual2) = (storage.take(N * C), storage.take(N * C), storage.take(N * C))
        (ln2, ln2Mean, ln2Rstd) = (storage.take(N * C), storage.take(N), storage.take(N))
        (fch, fchTanh, fchGelu) = (storage.take(N * 4 * C), storage.take(N * 4 * C), storage.take(N * 4 * C))
        (fcProj, residual3) = (storage.take(N * C), storage.take(N * C))
    }
}

/// What the forward pass keeps for the backward and tangent passes, in buffers owned by `storage`
/// (which the backward pass extends with its cotangents).
struct GPT2Activations<S: GEMMScalar> {
    let storage: TensorStorage<S>
    let encoded: UnsafeMutablePointer<S>                         // (N,C)
    let layers: [GPT2LayerActivations<S>]
    let lnf, lnfMean, lnfRstd: UnsafeMutablePointer<S>           // (N,C), (N), (N)
    /// (N,V) softmax, when kept for a backward pass (which turns it into dlogits).
    let probs: UnsafeMutablePointer<S>?
    let losses: UnsafeMutablePointer<S>                          // (N)

    init(_ d: GPT2Dimensions, keepProbabilities: Bool) {
        let storage = TensorStorage<S>()
        self.storage = storage
        encoded = storage.take(d.N * d.C)
        layers = (0..<d.L).map { _ in GPT2LayerActivations(storage, d) }
        (lnf, lnfMean, lnfRstd) = (storage.take(d.N * d.C), storage.take(d.N), storage.take(d.N))
        probs = keepProbabilities ? storage.take(d.N * d.V) : nil
        losses = storage.take(d.N)
    }

    /// The input of layer l: the embeddings, or the previous layer's output.
    func input(_ l: Int) -> UnsafeMutablePointer<S> { l > 0 ? layers[l - 1].residual3 : encoded }
    /// The last layer's output, ln_f's input.
    var output: UnsafeMutablePointer<S> { input(layers.count) }
}

/// The loss of a forward pass.
public struct GPT2Loss<S: GEMMScalar>: Sendable {
    /// Mean next-token cross-entropy over the B (T − 1) predictions.
    public var mean: S
    /// The same per sequence (over its T − 1 predictions).
    public var perSequence: [S]
}

extension GPT2 {
    /// The loss on a batch.
    /// - Complexity: O(L (N C² + B NH T² hs) + N C V) for N = B·T.
    @_specialize(where S == Double)
    @_specialize(where S == Float)
    public func loss(_ batch: TokenBatch) -> GPT2Loss<S> {
        forward(batch, keepProbabilities: false).loss
    }

    /// Vocabulary columns of the logits handled at a time when the probabilities need not be kept:
    /// an (N, 2048) buffer is reused across the blocks (8 MB at N = 512 in Float64), where the whole
    /// (N, V) logits would be 200 MB of freshly mapped pages; each block packs only its own rows of wte.
    static var headColumns: Int { 2048 }

    /// The forward pass with its caches: each layer's forward call in turn, reading the weights
    /// through the typed layout. Without `keepProbabilities` (the loss alone) the output head runs
    /// over column blocks of the vocabulary with a running log-sum-exp instead of materialising the
    /// (N, V) softmax.
    @_specialize(where S == Double)
    @_specialize(where S == Float)
    func forward(_ batch: TokenBatch, keepProbabilities: Bool = true) -> (loss: GPT2Loss<S>, activations: GPT2Activations<S>) {
        let d = GPT2Dimensions(config, batch)
        let (B, T, C, NH, V, L, N) = (d.B, d.T, d.C, d.NH, d.V, d.L, d.N)
        precondition(T <= config.maxPositions, "sequence length \(T) exceeds n_positions \(config.maxPositions)")
        let eps = S(config.layerNormEpsilon)
        let a = GPT2Activations<S>(d, keepProbabilities: keepProbabilities)
        let targets = batch.targets
        weights.withUnsafeBufferPointer { buffer in
            let p = layout.tensors(in: buffer.baseAddress!)
            GPT2Layers.encoderForward(a.encoded, tokens: batch.tokens, wte: p.wte, wpe: p.wpe, B: B, T: T, C: C)
            for l in 0..<L {
                let (w, x, o) = (p.layers[l], a.input(l), a.layers[l])
                GPT2Layers.layerNormForward(o.ln1, mean: o.ln1Mean, rstd: o.ln1Rstd, x, w: w.ln1w, b: w.ln1b, N: N, C: C, eps: eps)
                GPT2Layers.matmulForward(o.qkv, o.ln1, w: w.qkvw, bias: w.qkvb, N: N, C: C, OC: 3 * C)
                GPT2Layers.attentionForward(o.attY, att: o.att, o.qkv, B: B, T: T, C: C, NH: NH)
                GPT2Layers.matmulForward(o.attProj, o.attY, w: w.attprojw, bias: w.attprojb, N: N, C: C, OC: C)
                GPT2Layers.residualForward(o.residual2, x, o.attProj, count: N * C)
                GPT2Layers.layerNormForward(o.ln2, mean: o.ln2Mean, rstd: o.ln2Rstd, o.residual2, w: w.ln2w, b: w.ln2b, N: N, C: C, eps: eps)
                GPT2Layers.matmulForward(o.fch, o.ln2, w: w.fcw, bias: w.fcb, N: N, C: C, OC: 4 * C)
                GPT2Layers.geluForward(o.fchGelu, tanh: o.fchTanh, o.fch, count: N * 4 * C)
                GPT2Layers.matmulForward(o.fcProj, o.fchGelu, w: w.fcprojw, bias: w.fcprojb, N: N, C: 4 * C, OC: C)
                GPT2Layers.residualForward(o.residual3, o.residual2, o.fcProj, count: N * C)
            }
            GPT2Layers.layerNormForward(a.lnf, mean: a.lnfMean, rstd: a.lnfRstd, a.output, w: p.lnfw, b: p.lnfb, N: N, C: C, eps: eps)
            // logits = lnf · wteᵀ: (N,C)·(C,V), the tied output projection.
            if let probs = a.probs {
                // All of it, turned into probabilities in place for the backward pass.
                S.gemm(transposeA: false, transposeB: true, m: N, n: V, k: C, alpha: 1, a.lnf, lda: C, p.wte, ldb: C,
                       beta: 0, probs, ldc: V)
                GPT2Layers.softmaxCrossEntropyForward(logitsToProbs: probs, losses: a.losses, targets: targets, N: N, V: V)
            } else {
                // Column blocks folded into a running log-sum-exp per row.
                let width = Swift.min(V, Self.headColumns)
                let block = a.storage.take(N * width)
                var maxima = [S](repeating: -.infinity, count: N), sums = [S](repeating: 0, count: N)
                var targetLogits = [S](repeating: 0, count: N)
                for first in stride(from: 0, to: V, by: width) {
                    let count = Swift.min(width, V - first)
                    S.gemm(transposeA: false, transposeB: true, m: N, n: count, k: C, alpha: 1, a.lnf, lda: C, p.wte + first * C,
                           ldb: C, beta: 0, block, ldc: count)
                    GPT2Layers.logSumExpAccumulate(maxima: &maxima, sums: &sums, targetLogits: &targetLogits, logits: block, ld: count,
                                                   first: first, width: count, targets: targets, N: N)
                }
                for n in 0..<N where targets[n] >= 0 { a.losses[n] = maxima[n] + S.log(sums[n]) - targetLogits[n] }
            }
        }
        let predictions = T - 1
        let perSequence = (0..<B).map { b in (0..<predictions).reduce(S(0)) { $0 + a.losses[b * T + $1] } / S(predictions) }
        let mean = perSequence.reduce(0, +) / S(B)
        return (GPT2Loss(mean: mean, perSequence: perSequence), a)
    }
}
