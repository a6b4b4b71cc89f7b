import LinearAlgebra

/// The cotangents ∂(mean loss)/∂ of one layer's activations (N = B·T). Kept per layer for the
/// tangent backward pass, since they depend on the weights and the batch, not on the direction of a
/// Hessian-vector product; the same struct holds their tangents in `GPT2HVPWorkspace`.
struct GPT2LayerCotangents<S: GEMMScalar> {
    let dresidual3, dresidual2: UnsafeMutablePointer<S>          // (N,C): into the layer's output, and into residual2
    let dgelu, dfch: UnsafeMutablePointer<S>                     // (N,4C)
    let dln2, dattY, dln1: UnsafeMutablePointer<S>               // (N,C)
    let dqkv: UnsafeMutablePointer<S>                            // (N,3C)

    init(_ storage: TensorStorage<S>, _ d: GPT2Dimensions) {
        let (N, C) = (d.N, d.C)
        (dresidual3, dresidual2) = (storage.take(N * C), storage.take(N * C))
        (dgelu, dfch) = (storage.take(N * 4 * C), storage.take(N * 4 * C))
        (dln2, dattY, dln1) = (storage.take(N * C), storage.take(N * C), storage.take(N * C))
        dqkv = storage.take(N * 3 * C)
    }
}

/// The cotangents of a backward pass (in the storage of the activations it ran on).
struct GPT2Cotangents<S: GEMMScalar> {
    let dlogits: UnsafeMutablePointer<S>                         // (N,V): the activations' probabilities, transformed
    let dlnf: UnsafeMutablePointer<S>                            // (N,C)
    /// One set per layer when kept; otherwise a single set the pass reused from layer to layer.
    let layers: [GPT2LayerCotangents<S>]
    let dencoded: UnsafeMutablePointer<S>                        // (N,C)
}

extension GPT2 {
    /// The mean loss on a batch and its gradient with respect to every parameter, in
    /// `GPT2Layout` order.
    /// - Complexity: about three forward passes' worth of matrix products.
    @_specialize(where S == Double)
    @_specialize(where S == Float)
    public func gradient(_ batch: TokenBatch) -> (loss: GPT2Loss<S>, gradient: [S]) {
        let (loss, a) = forward(batch)
        var grad = [S](repeating: 0, count: weights.count)
        grad.withUnsafeMutableBufferPointer { _ = backward(batch, a, gradient: $0.baseAddress!, keepCotangents: false) }
        return (loss, grad)
    }

    /// The backward pass from the caches of a forward pass: each layer's backward call in turn, in
    /// reverse, accumulating ∂(mean loss)/∂θ into `gradient` (zeroed by the caller, in layout order).
    /// A nil gradient asks for the cotangents alone: no parameter gradient is formed, which saves one
    /// vocabulary-sized product and a third of each layer's. The (N, V) probabilities of `a` become
    /// dlogits in place; the cotangents are taken from `a.storage`, one set per layer when
    /// `keepCotangents` (for `tangentBackward`), one set reused otherwise.
    @_specialize(where S == Double)
    @_specialize(where S == Float)
    func backward(_ batch: TokenBatch, _ a: GPT2Activations<S>, gradient: UnsafeMutablePointer<S>?,
                  keepCotangents: Bool) -> GPT2Cotangents<S> {
        let d = GPT2Dimensions(config, batch)
        let (B, T, C, NH, V, L, N) = (d.B, d.T, d.C, d.NH, d.V, d.L, d.N)
        guard let dlogits = a.probs else { preconditionFailure("the backward pass needs a forward pass that kept its probabilities") }
        let storage = a.storage
        let layers = (0..<(keepCotangents ? L : Swift.min(L, 1))).map { _ in GPT2LayerCotangents(storage, d) }
        func cotangents(_ l: Int) -> GPT2LayerCotangents<S> { layers[keepCotangents ? l : 0] }
        let dlnf = storage.take(N * C), dencoded = storage.take(N * C)
        let scratch = storage.take(T * T)  // attention's (T,T) per head
        weights.withUnsafeBufferPointer { buffer in
            let p = layout.tensors(in: buffer.baseAddress!)
            let g = gradient.map { layout.tensors(in: $0) }

            GPT2Layers.softmaxCrossEntropyBackward(probsToDlogits: dlogits, targets: batch.targets, dloss: 1 / S(B * (T - 1)), N: N, V: V)
            // logits = lnf · wteᵀ: dlnf = dlogits · wte, dwte += dlogitsᵀ · lnf.
            S.gemm(transposeA: false, transposeB: false, m: N, n: C, k: V, alpha: 1, dlogits, lda: V, p.wte, ldb: C, beta: 0, dlnf, ldc: C)
            if let g {
                S.gemm(transposeA: true, transposeB: false, m: V, n: C, k: N, alpha: 1, dlogits, lda: V, a.lnf, ldb: C, beta: 1, g.wte, ldc: C)
            }
            let top = L > 0 ? cotangents(L - 1).dresidual3 : dencoded
            GPT2Layers.layerNormBackward(dinp: top, dw: g?.lnfw, db: g?.lnfb, dout: dlnf, inp: a.output, w: p.lnfw,
                                         mean: a.lnfMean, rstd: a.lnfRstd, N: N, C: C)
            for l in stride(from: L - 1, through: 0, by: -1) {
                let (w, x, o, c, dw) = (p.layers[l], a.input(l), a.layers[l], cotangents(l), g?.layers[l])
                // Where the layer's input gradient goes: the previous layer's dresidual3 (the buffer this
                // layer's own dresidual3 is, when one set is reused: it has been read by then).
                let dinput = l > 0 ? cotangents(l - 1).dresidual3 : dencoded
                // residual3 = residual2 + fcProj: both receive dresidual3.
                c.dresidual2.update(from: c.dresidual3, count: N * C)
                for (buffer, count) in [(c.dgelu, N * 4 * C), (c.dfch, N * 4 * C), (c.dln2, N * C)] { buffer.update(repeating: 0, count: count) }
                GPT2Layers.matmulBackward(dinp: c.dgelu, dw: dw?.fcprojw, dbias: dw?.fcprojb, dout: c.dresidual3, inp: o.fchGelu,
                                          w: w.fcprojw, N: N, C: 4 * C, OC: C)
                GPT2Layers.geluBackward(dinp: c.dfch, dout: c.dgelu, inp: o.fch, tanh: o.fchTanh, count: N * 4 * C)
                GPT2Layers.matmulBackward(dinp: c.dln2, dw: dw?.fcw, dbias: dw?.fcb, dout: c.dfch, inp: o.ln2, w: w.fcw, N: N, C: C, OC: 4 * C)
                GPT2Layers.layerNormBackward(dinp: c.dresidual2, dw: dw?.ln2w, db: dw?.ln2b, dout: c.dln2, inp: o.residual2, w: w.ln2w,
                                             mean: o.ln2Mean, rstd: o.ln2Rstd, N: N, C: C)
                // residual2 = input + attProj: both receive dresidual2.
                dinput.update(from: c.dresidual2, count: N * C)
                for (buffer, count) in [(c.dattY, N * C), (c.dqkv, N * 3 * C), (c.dln1, N * C)] { buffer.update(repeating: 0, count: count) }
                GPT2Layers.matmulBackward(dinp: c.dattY, dw: dw?.attprojw, dbias: dw?.attprojb, dout: c.dresidual2, inp: o.attY,
                                          w: w.attprojw, N: N, C: C, OC: C)
                GPT2Layers.attentionBackward(dqkv: c.dqkv, dout: c.dattY, qkv: o.qkv, att: o.att, scratch: scratch, B: B, T: T, C: C, NH: NH)
                GPT2Layers.matmulBackward(dinp: c.dln1, dw: dw?.qkvw, dbias: dw?.qkvb, dout: c.dqkv, inp: o.ln1, w: w.qkvw, N: N, C: C, OC: 3 * C)
                GPT2Layers.layerNormBackward(dinp: dinput, dw: dw?.ln1w, db: dw?.ln1b, dout: c.dln1, inp: x, w: w.ln1w,
                                             mean: o.ln1Mean, rstd: o.ln1Rstd, N: N, C: C)
            }
            if let g {
                GPT2Layers.encoderBackward(dwte: g.wte, dwpe: g.wpe, dout: dencoded, tokens: batch.tokens, B: B, T: T, C: C)
            }
        }
        return GPT2Cotangents(dlogits: dlogits, dlnf: dlnf, layers: layers, dencoded: dencoded)
    }

    /// The tangent of the backward pass along v: H v = ∂/∂ε ∇L(θ + ε v), accumulated into the tensors
    /// of `h` (zeroed by the caller; `v` and `h` are views of flat buffers, `GPT2Layout.tensors`), from the forward caches `a`, the kept cotangents `c`
    /// and the forward tangents along v in `workspace` (whose logits' tangent becomes ḋlogits in place).
    /// Each layer's backward-tangent call in turn, in reverse, with the workspace's scratch.
    ///
    /// With a `block` (v zero outside it), only the block's part of H v is formed: the pass stops at the
    /// block, and neither the other blocks' outputs nor the terms of their (zero) weight tangents are
    /// computed; only the block's tensors of `v` are read and of `h` written. With the output layer's
    /// curvature `head` (a block other than the embeddings), ḋlnf is M l̇nf (`GPT2HeadCurvature`).
    /// - Complexity: four forward passes' worth of matrix products for the whole vector; for a layer's
    ///   block, the layers from it up and one vocabulary-sized product instead of four.
    @_specialize(where S == Double)
    @_specialize(where S == Float)
    func tangentBackward(_ batch: TokenBatch, _ a: GPT2Activations<S>, _ c: GPT2Cotangents<S>, direction pv: GPT2Tensors<UnsafePointer<S>>,
                         workspace: GPT2HVPWorkspace<S>, hvp h: GPT2Tensors<UnsafeMutablePointer<S>>, block: GPT2Block? = nil,
                         head: GPT2HeadCurvature<S>? = nil) {
        let d = GPT2Dimensions(config, batch)
        let (B, T, C, NH, V, L, N) = (d.B, d.T, d.C, d.NH, d.V, d.L, d.N)
        let (t, s) = (workspace.tangents, workspace.scratch)
        func moves(_ b: GPT2Block) -> Bool { block == nil || block == b }
        // The lowest layer the pass reaches, and whether it must go on below it, to the embeddings.
        let (stop, toEmbeddings): (Int, Bool)
        switch block {
        case nil, .embeddings?: (stop, toEmbeddings) = (0, true)
        case .layer(let l)?: (stop, toEmbeddings) = (l, false)
        case .finalNorm?: (stop, toEmbeddings) = (L, false)
        }
        weights.withUnsafeBufferPointer { buffer in
            let p = layout.tensors(in: buffer.baseAddress!)

            // ḋlogits from l̇ogits; ḋlnf = ḋlogits wte + dlogits ẇte; ḋwte += ḋlogitsᵀ lnf + dlogitsᵀ l̇nf.
            // With the head's curvature (ẇte = 0): ḋlnf = M l̇nf row by row.
            let dlogitsDot = t.logits
            if let head {
                head.apply(t.lnf, into: s.dlnf)
            } else {
                GPT2Layers.softmaxCrossEntropyBackwardTangent(logitsDotToDlogitsDot: dlogitsDot, dlogits: c.dlogits, targets: batch.targets,
                                                              dloss: 1 / S(B * (T - 1)), N: N, V: V)
                S.gemm(transposeA: false, transposeB: false, m: N, n: C, k: V, alpha: 1, dlogitsDot, lda: V, p.wte, ldb: C, beta: 0, s.dlnf, ldc: C)
            }
            if moves(.embeddings) {
                S.gemm(transposeA: false, transposeB: false, m: N, n: C, k: V, alpha: 1, c.dlogits, lda: V, pv.wte, ldb: C, beta: 1, s.dlnf, ldc: C)
                S.gemm(transposeA: true, transposeB: false, m: V, n: C, k: N, alpha: 1, dlogitsDot, lda: V, a.lnf, ldb: C, beta: 1, h.wte, ldc: C)
                S.gemm(transposeA: true, transposeB: false, m: V, n: C, k: N, alpha: 1, c.dlogits, lda: V, t.lnf, ldb: C, beta: 1, h.wte, ldc: C)
            }

            // One set of scratch serves every layer: its dresidual3 receives each layer's input tangent
            // in turn (read by then), and the embeddings' at the end.
            let e = s.layer
            let below = stop < L  // whether the pass goes on below ln_f
            let top = L > 0 ? e.dresidual3 : s.dencoded
            if below { top.update(repeating: 0, count: N * C) }
            let lnf = moves(.finalNorm)
            GPT2Layers.layerNormBackwardTangent(dinpDot: below ? top : nil, dwDot: lnf ? h.lnfw : nil, dbDot: lnf ? h.lnfb : nil,
                                                dout: c.dlnf, doutDot: s.dlnf, inp: a.output, xhatDot: t.lnfXhat, w: p.lnfw,
                                                wDot: lnf ? pv.lnfw : nil, mean: a.lnfMean, rstd: a.lnfRstd, rstdDot: t.lnfRstd, N: N, C: C)
            for l in stride(from: L - 1, through: stop, by: -1) {
                let (w, x, o, ot, k) = (p.layers[l], a.input(l), a.layers[l], t.layers[l], c.layers[l])
                let (dw, wv) = moves(.layer(l)) ? (h.layers[l], pv.layers[l]) : (nil, nil)
                // Whether this layer's input tangent is wanted: above the stop, or on the way to the embeddings.
                let onward = l > stop || toEmbeddings
                let dinputDot = l > 0 ? e.dresidual3 : s.dencoded
                e.dresidual2.update(from: e.dresidual3, count: N * C)
                for (buffer, count) in [(e.dgelu, N * 4 * C), (e.dfch, N * 4 * C), (e.dln2, N * C)] { buffer.update(repeating: 0, count: count) }
                GPT2Layers.matmulBackwardTangent(dinpDot: e.dgelu, dwDot: dw?.fcprojw, dbiasDot: dw?.fcprojb, dout: k.dresidual3,
                                                 doutDot: e.dresidual3, inp: o.fchGelu, inpDot: ot.fchGelu, w: w.fcprojw, wDot: wv?.fcprojw,
                                                 N: N, C: 4 * C, OC: C)
                GPT2Layers.geluBackwardTangent(dinpDot: e.dfch, dout: k.dgelu, doutDot: e.dgelu, inp: o.fch, tanh: o.fchTanh,
                                               inpDot: ot.fch, count: N * 4 * C)
                GPT2Layers.matmulBackwardTangent(dinpDot: e.dln2, dwDot: dw?.fcw, dbiasDot: dw?.fcb, dout: k.dfch, doutDot: e.dfch,
                                                 inp: o.ln2, inpDot: ot.ln2, w: w.fcw, wDot: wv?.fcw, N: N, C: C, OC: 4 * C)
                GPT2Layers.layerNormBackwardTangent(dinpDot: e.dresidual2, dwDot: dw?.ln2w, dbDot: dw?.ln2b, dout: k.dln2, doutDot: e.dln2,
                                                    inp: o.residual2, xhatDot: ot.ln2Xhat, w: w.ln2w, wDot: wv?.ln2w, mean: o.ln2Mean,
                                                    rstd: o.ln2Rstd, rstdDot: ot.ln2Rstd, N: N, C: C)
                if onward { dinputDot.update(from: e.dresidual2, count: N * C) }
                for (buffer, count) in [(e.dattY, N * C), (e.dqkv, N * 3 * C), (e.dln1, N * C)] { buffer.update(repeating: 0, count: count) }
                GPT2Layers.matmulBackwardTangent(dinpDot: e.dattY, dwDot: dw?.attprojw, dbiasDot: dw?.attprojb, dout: k.dresidual2,
                                                 doutDot: e.dresidual2, inp: o.attY, inpDot: ot.attY, w: w.attprojw, wDot: wv?.attprojw,
                                                 N: N, C: C, OC: C)
                GPT2Layers.attentionBackwardTangent(dqkvDot: e.dqkv, dout: k.dattY, doutDot: e.dattY, qkv: o.qkv, qkvDot: ot.qkv,
                                                    att: o.att, attDot: ot.att, scratch: s.attention, B: B, T: T, C: C, NH: NH)
                GPT2Layers.matmulBackwardTangent(dinpDot: e.dln1, dwDot: dw?.qkvw, dbiasDot: dw?.qkvb, dout: k.dqkv, doutDot: e.dqkv,
                                                 inp: o.ln1, inpDot: ot.ln1, w: w.qkvw, wDot: wv?.qkvw, N: N, C: C, OC: 3 * C)
                GPT2Layers.layerNormBackwardTangent(dinpDot: onward ? dinputDot : nil, dwDot: dw?.ln1w, dbDot: dw?.ln1b, dout: k.dln1,
                                                    doutDot: e.dln1, inp: x, xhatDot: ot.ln1Xhat, w: w.ln1w, wDot: wv?.ln1w, mean: o.ln1Mean,
                                                    rstd: o.ln1Rstd, rstdDot: ot.ln1Rstd, N: N, C: C)
            }
            if moves(.embeddings) {
                GPT2Layers.encoderBackward(dwte: h.wte, dwpe: h.wpe, dout: s.dencoded, tokens: batch.tokens, B: B, T: T, C: C)
            }
        }
    }
}
