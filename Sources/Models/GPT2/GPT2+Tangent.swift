import LinearAlgebra

/// The directional derivatives of one layer's forward caches along a parameter direction v
/// (shapes as in `GPT2LayerActivations`; x̂̇ and ṙ of each layer norm kept for the backward tangent).
struct GPT2LayerTangents<S: GEMMScalar> {
    let ln1, ln1Xhat, ln1Rstd: UnsafeMutablePointer<S>          // ẏ, x̂̇ (N,C), ṙ (N) of ln_1
    let qkv: UnsafeMutablePointer<S>                             // (N,3C)
    let att: UnsafeMutablePointer<S>                             // (B,NH,T,T)
    let attY, attProj, residual2: UnsafeMutablePointer<S>        // (N,C)
    let ln2, ln2Xhat, ln2Rstd: UnsafeMutablePointer<S>           // ẏ, x̂̇ (N,C), ṙ (N) of ln_2
    let fch, fchGelu: UnsafeMutablePointer<S>                    // (N,4C)
    let fcProj, residual3: UnsafeMutablePointer<S>               // (N,C)

    init(_ storage: TensorStorage<S>, _ d: GPT2Dimensions) {
        let (N, C) = (d.N, d.C)
        (ln1, ln1Xhat, ln1Rstd) = (storage.take(N * C), storage.take(N * C), storage.take(N))
        qkv = storage.take(N * 3 * C)
        att = storage.take(d.B * d.NH * d.T * d.T)
        (attY, attProj, residual2) = (storage.take(N * C), storage.take(N * C), storage.take(N * C))
        (ln2, ln2Xhat, ln2Rstd) = (storage.take(N * C), storage.take(N * C), storage.take(N))
        (fch, fchGelu) = (storage.take(N * 4 * C), storage.take(N * 4 * C))
        (fcProj, residual3) = (storage.take(N * C), storage.take(N * C))
    }
}

/// The directional derivatives of the forward pass's caches along v.
struct GPT2Tangents<S: GEMMScalar> {
    let encoded: UnsafeMutablePointer<S>                         // (N,C)
    let layers: [GPT2LayerTangents<S>]
    let lnf, lnfXhat, lnfRstd: UnsafeMutablePointer<S>           // (N,C), (N,C), (N)
    let logits: UnsafeMutablePointer<S>                          // ż (N,V)

    init(_ storage: TensorStorage<S>, _ d: GPT2Dimensions) {
        encoded = storage.take(d.N * d.C)
        layers = (0..<d.L).map { _ in GPT2LayerTangents(storage, d) }
        (lnf, lnfXhat, lnfRstd) = (storage.take(d.N * d.C), storage.take(d.N * d.C), storage.take(d.N))
        logits = storage.take(d.N * d.V)
    }

    /// The tangent of layer l's input.
    func input(_ l: Int) -> UnsafeMutablePointer<S> { l > 0 ? layers[l - 1].residual3 : encoded }
    var output: UnsafeMutablePointer<S> { input(layers.count) }
}

extension GPT2 {
    /// The tangent of `forward` along v from its caches `a`, into `t`: each layer's tangent call in
    /// turn, up to the logits' tangent ż = l̇nf · wteᵀ + lnf · ẇteᵀ.
    ///
    /// With a `block`, v is zero outside it (a block-restricted product) and only the block's tensors of
    /// `pv` are read: the tangents below the block are zero and are not computed (the block's input
    /// tangent is set to zero), and the weight-tangent terms of every other block are left out. The buffers the product reads are overwritten either way.
    /// With the output layer's curvature `head` (a block other than the embeddings), the logits' tangent is not formed.
    /// - Complexity: two forward passes' worth of matrix products for the whole vector; for a layer's
    ///   block, the layers from it up and one vocabulary-sized product instead of two.
    @_specialize(where S == Double)
    @_specialize(where S == Float)
    func tangentForward(_ batch: TokenBatch, _ a: GPT2Activations<S>, direction pv: GPT2Tensors<UnsafePointer<S>>, into t: GPT2Tangents<S>,
                        block: GPT2Block? = nil, head: GPT2HeadCurvature<S>? = nil) {
        precondition(head == nil || (block != nil && block != .embeddings), "the head's curvature serves blocks whose weights leave the vocabulary fixed")
        let d = GPT2Dimensions(config, batch)
        let (B, T, C, NH, V, L, N) = (d.B, d.T, d.C, d.NH, d.V, d.L, d.N)
        func moves(_ b: GPT2Block) -> Bool { block == nil || block == b }
        let first: Int
        switch block {
        case nil, .embeddings?: first = 0
        case .layer(let l)?: first = l
        case .finalNorm?: first = L
        }
        weights.withUnsafeBufferPointer { buffer in
            let p = layout.tensors(in: buffer.baseAddress!)
            if moves(.embeddings) {
                GPT2Layers.encoderTangent(t.encoded, tokens: batch.tokens, wteDot: pv.wte, wpeDot: pv.wpe, B: B, T: T, C: C)
            } else {
                t.input(first).update(repeating: 0, count: N * C)
            }
            for l in first..<L {
                let (w, x, xDot, o, ot) = (p.layers[l], a.input(l), t.input(l), a.layers[l], t.layers[l])
                let wv = moves(.layer(l)) ? pv.layers[l] : nil
                GPT2Layers.layerNormTangent(ot.ln1, xhatDot: ot.ln1Xhat, rstdDot: ot.ln1Rstd, inp: x, inpDot: xDot, mean: o.ln1Mean,
                                            rstd: o.ln1Rstd, w: w.ln1w, wDot: wv?.ln1w, bDot: wv?.ln1b, N: N, C: C)
                GPT2Layers.matmulTangent(ot.qkv, inp: o.ln1, inpDot: ot.ln1, w: w.qkvw, wDot: wv?.qkvw, biasDot: wv?.qkvb, N: N, C: C, OC: 3 * C)
                GPT2Layers.attentionTangent(ot.attY, attDot: ot.att, qkv: o.qkv, qkvDot: ot.qkv, att: o.att, B: B, T: T, C: C, NH: NH)
                GPT2Layers.matmulTangent(ot.attProj, inp: o.attY, inpDot: ot.attY, w: w.attprojw, wDot: wv?.attprojw, biasDot: wv?.attprojb,
                                         N: N, C: C, OC: C)
                GPT2Layers.residualForward(ot.residual2, xDot, ot.attProj, count: N * C)
                GPT2Layers.layerNormTangent(ot.ln2, xhatDot: ot.ln2Xhat, rstdDot: ot.ln2Rstd, inp: o.residual2, inpDot: ot.residual2,
                                            mean: o.ln2Mean, rstd: o.ln2Rstd, w: w.ln2w, wDot: wv?.ln2w, bDot: wv?.ln2b, N: N, C: C)
                GPT2Layers.matmulTangent(ot.fch, inp: o.ln2, inpDot: ot.ln2, w: w.fcw, wDot: wv?.fcw, biasDot: wv?.fcb, N: N, C: C, OC: 4 * C)
                GPT2Layers.geluTangent(ot.fchGelu, inp: o.fch, tanh: o.fchTanh, inpDot: ot.fch, count: N * 4 * C)
                GPT2Layers.matmulTangent(ot.fcProj, inp: o.fchGelu, inpDot: ot.fchGelu, w: w.fcprojw, wDot: wv?.fcprojw, biasDot: wv?.fcprojb,
                                         N: N, C: 4 * C, OC: C)
                GPT2Layers.residualForward(ot.residual3, ot.residual2, ot.fcProj, count: N * C)
            }
            let lnf = moves(.finalNorm)
            GPT2Layers.layerNormTangent(t.lnf, xhatDot: t.lnfXhat, rstdDot: t.lnfRstd, inp: a.output, inpDot: t.output, mean: a.lnfMean,
                                        rstd: a.lnfRstd, w: p.lnfw, wDot: lnf ? pv.lnfw : nil, bDot: lnf ? pv.lnfb : nil, N: N, C: C)
            // l̇ = l̇nf · wteᵀ + lnf · ẇteᵀ; not needed when the head's curvature maps l̇nf to ḋlnf.
            guard head == nil else { return }
            S.gemm(transposeA: false, transposeB: true, m: N, n: V, k: C, alpha: 1, t.lnf, lda: C, p.wte, ldb: C, beta: 0, t.logits, ldc: V)
            if moves(.embeddings) {
                S.gemm(transposeA: false, transposeB: true, m: N, n: V, k: C, alpha: 1, a.lnf, lda: C, pv.wte, ldb: C, beta: 1, t.logits, ldc: V)
            }
        }
    }
}
