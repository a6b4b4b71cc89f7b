import LinearAlgebra

/// The cotangents of a backward pass, ∂(mean loss)/∂ of each cached activation (per layer l; shapes as
/// in `GPT2Activations`), kept for the tangent backward pass: they depend on the weights and the
/// batch, not on the direction of a Hessian-vector product.
struct GPT2Cotangents<S: GEMMScalar>: Sendable {
    var dlogits: [S]                            // (N,V)
    var dlnf: [S]                               // (N,C)
    var dresidual3, dresidual2: [[S]]           // (N,C): into each layer's output, and into residual2
    var dgelu, dfch: [[S]]                      // (N,4C)
    var dln2, dattY, dln1: [[S]]                // (N,C)
    var dqkv: [[S]]                             // (N,3C)
}

extension GPT2 {
    /// The mean loss on a batch and its gradient with respect to every parameter, in
    /// `GPT2Parameters` layout.
    /// - Complexity: about three forward passes' worth of matrix products.
    @_specialize(where S == Double)
    @_specialize(where S == Float)
    public func gradient(_ batch: TokenBatch) -> (loss: GPT2Loss<S>, gradient: [S]) {
        var (loss, a) = forward(batch)
        var grad = [S](repeating: 0, count: weights.count)
        _ = backward(batch, &a, grad: &grad, keepCotangents: false)
        return (loss, grad)
    }

    /// The backward pass from the caches of a forward pass: accumulates ∂(mean loss)/∂θ into `grad`
    /// and, when asked, returns the cotangents for `tangentBackward`. An empty `grad` asks for the
    /// cotangents alone: no parameter gradient is formed, which saves one vocabulary-sized product and
    /// a third of each block's. The (N, V) probabilities of `a` are consumed (they become dlogits).
    @_specialize(where S == Double)
    @_specialize(where S == Float)
    func backward(_ batch: TokenBatch, _ a: inout GPT2Activations<S>, grad: inout [S], keepCotangents: Bool) -> GPT2Cotangents<S>? {
        let (B, T, C, NH, V, L) = (batch.batch, batch.length, config.channels, config.heads, config.vocabulary, config.layers)
        let N = B * T
        func zeros(_ n: Int) -> [S] { [S](repeating: 0, count: n) }
        let perLayer = [[S]](repeating: [], count: keepCotangents ? L : 0)
        var kept = GPT2Cotangents<S>(dlogits: [], dlnf: [], dresidual3: perLayer, dresidual2: perLayer, dgelu: perLayer, dfch: perLayer,
                                     dln2: perLayer, dattY: perLayer, dln1: perLayer, dqkv: perLayer)
        weights.withUnsafeBufferPointer { wbuf in
        grad.withUnsafeMutableBufferPointer { gbuf in
            let w = wbuf.baseAddress!, g = gbuf.isEmpty ? nil : gbuf.baseAddress  // an empty buffer's address may be non-nil
            func p(_ name: String) -> UnsafePointer<S> { w + range(name).lowerBound }
            /// The parameter gradient's slice, nil when no gradient is wanted.
            func d(_ name: String) -> UnsafeMutablePointer<S>? { g.map { $0 + range(name).lowerBound } }

            var dlogits: [S] = []
            swap(&dlogits, &a.probs)
            GPT2Layers.softmaxCrossEntropyBackward(probsToDlogits: &dlogits, targets: batch.targets, dloss: 1 / S(B * (T - 1)), N: N, V: V)
            // logits = lnf · wteᵀ: dlnf = dlogits · wte, dwte += dlogitsᵀ · lnf.
            var dlnf = zeros(N * C)
            S.gemm(transposeA: false, transposeB: false, m: N, n: C, k: V, alpha: 1, dlogits, lda: V, p("wte.weight"), ldb: C, beta: 0, &dlnf, ldc: C)
            if let dwte = d("wte.weight") {
                S.gemm(transposeA: true, transposeB: false, m: V, n: C, k: N, alpha: 1, dlogits, lda: V, a.lnf, ldb: C, beta: 1, dwte, ldc: C)
            }
            var dx = zeros(N * C)
            let last = L > 0 ? a.residual3[L - 1] : a.encoded
            GPT2Layers.layerNormBackward(dinp: &dx, dw: d("ln_f.weight"), db: d("ln_f.bias"), dout: dlnf, inp: last,
                                         w: p("ln_f.weight"), mean: a.lnfMean, rstd: a.lnfRstd, N: N, C: C)
            if keepCotangents { kept.dlogits = dlogits; kept.dlnf = dlnf }

            for l in stride(from: L - 1, through: 0, by: -1) {
                let h = "h.\(l)"
                let input = l > 0 ? a.residual3[l - 1] : a.encoded
                // residual3 = residual2 + fcProj: both receive dx.
                var dresidual2 = dx
                var dgelu = zeros(N * 4 * C), dfch = zeros(N * 4 * C), dln2 = zeros(N * C)
                GPT2Layers.matmulBackward(dinp: &dgelu, dw: d("\(h).mlp.c_proj.weight"), dbias: d("\(h).mlp.c_proj.bias"),
                                          dout: dx, inp: a.fchGelu[l], w: p("\(h).mlp.c_proj.weight"), N: N, C: 4 * C, OC: C)
                GPT2Layers.geluBackward(dinp: &dfch, dout: dgelu, inp: a.fch[l], tanh: a.fchTanh[l], count: N * 4 * C)
                GPT2Layers.matmulBackward(dinp: &dln2, dw: d("\(h).mlp.c_fc.weight"), dbias: d("\(h).mlp.c_fc.bias"),
                                          dout: dfch, inp: a.ln2[l], w: p("\(h).mlp.c_fc.weight"), N: N, C: C, OC: 4 * C)
                GPT2Layers.layerNormBackward(dinp: &dresidual2, dw: d("\(h).ln_2.weight"), db: d("\(h).ln_2.bias"), dout: dln2,
                                             inp: a.residual2[l], w: p("\(h).ln_2.weight"), mean: a.ln2Mean[l], rstd: a.ln2Rstd[l], N: N, C: C)
                // residual2 = input + attProj: both receive dresidual2.
                var dinput = dresidual2
                var dattY = zeros(N * C), dqkv = zeros(N * 3 * C), dln1 = zeros(N * C)
                GPT2Layers.matmulBackward(dinp: &dattY, dw: d("\(h).attn.c_proj.weight"), dbias: d("\(h).attn.c_proj.bias"),
                                          dout: dresidual2, inp: a.attY[l], w: p("\(h).attn.c_proj.weight"), N: N, C: C, OC: C)
                GPT2Layers.attentionBackward(dqkv: &dqkv, dout: dattY, qkv: a.qkv[l], att: a.att[l], B: B, T: T, C: C, NH: NH)
                GPT2Layers.matmulBackward(dinp: &dln1, dw: d("\(h).attn.c_attn.weight"), dbias: d("\(h).attn.c_attn.bias"),
                                          dout: dqkv, inp: a.ln1[l], w: p("\(h).attn.c_attn.weight"), N: N, C: C, OC: 3 * C)
                GPT2Layers.layerNormBackward(dinp: &dinput, dw: d("\(h).ln_1.weight"), db: d("\(h).ln_1.bias"), dout: dln1,
                                             inp: input, w: p("\(h).ln_1.weight"), mean: a.ln1Mean[l], rstd: a.ln1Rstd[l], N: N, C: C)
                if keepCotangents {
                    (kept.dresidual3[l], kept.dresidual2[l], kept.dgelu[l], kept.dfch[l]) = (dx, dresidual2, dgelu, dfch)
                    (kept.dln2[l], kept.dattY[l], kept.dqkv[l], kept.dln1[l]) = (dln2, dattY, dqkv, dln1)
                }
                dx = dinput
            }
            if let dwte = d("wte.weight"), let dwpe = d("wpe.weight") {
                GPT2Layers.encoderBackward(dwte: dwte, dwpe: dwpe, dout: dx, tokens: batch.tokens, B: B, T: T, C: C)
            }
        }
        }
        return keepCotangents ? kept : nil
    }

    /// The tangent of the backward pass along v: accumulates H v = ∂/∂ε ∇L(θ + ε v) into `hvp`, from
    /// the forward caches `a`, the backward cotangents `c` and the forward tangents `t` along v.
    /// - Complexity: four forward passes' worth of matrix products.
    @_specialize(where S == Double)
    @_specialize(where S == Float)
    func tangentBackward(_ batch: TokenBatch, _ a: GPT2Activations<S>, _ c: GPT2Cotangents<S>, _ t: inout GPT2Tangents<S>, hvp: inout [S]) {
        let (B, T, C, NH, V, L) = (batch.batch, batch.length, config.channels, config.heads, config.vocabulary, config.layers)
        let N = B * T
        func zeros(_ n: Int) -> [S] { [S](repeating: 0, count: n) }
        let direction = t.direction
        weights.withUnsafeBufferPointer { wbuf in
        direction.withUnsafeBufferPointer { vbuf in
        hvp.withUnsafeMutableBufferPointer { hbuf in
            let w = wbuf.baseAddress!
            func p(_ name: String) -> UnsafePointer<S> { w + range(name).lowerBound }
            func pv(_ name: String) -> UnsafePointer<S> { vbuf.baseAddress! + range(name).lowerBound }
            func dv(_ name: String) -> UnsafeMutablePointer<S> { hbuf.baseAddress! + range(name).lowerBound }

            // ḋlogits from l̇ogits; ḋlnf = ḋlogits wte + dlogits ẇte; ḋwte += ḋlogitsᵀ lnf + dlogitsᵀ l̇nf.
            var dlogitsDot: [S] = []
            swap(&dlogitsDot, &t.logits)  // moved, not shared: turned into ḋlogits in place
            GPT2Layers.softmaxCrossEntropyBackwardTangent(logitsDotToDlogitsDot: &dlogitsDot, dlogits: c.dlogits, targets: batch.targets,
                                                          dloss: 1 / S(B * (T - 1)), N: N, V: V)
            var dlnfDot = zeros(N * C)
            S.gemm(transposeA: false, transposeB: false, m: N, n: C, k: V, alpha: 1, dlogitsDot, lda: V, p("wte.weight"), ldb: C, beta: 0, &dlnfDot, ldc: C)
            S.gemm(transposeA: false, transposeB: false, m: N, n: C, k: V, alpha: 1, c.dlogits, lda: V, pv("wte.weight"), ldb: C, beta: 1, &dlnfDot, ldc: C)
            S.gemm(transposeA: true, transposeB: false, m: V, n: C, k: N, alpha: 1, dlogitsDot, lda: V, a.lnf, ldb: C, beta: 1, dv("wte.weight"), ldc: C)
            S.gemm(transposeA: true, transposeB: false, m: V, n: C, k: N, alpha: 1, c.dlogits, lda: V, t.lnf, ldb: C, beta: 1, dv("wte.weight"), ldc: C)

            var dxDot = zeros(N * C)
            let last = L > 0 ? a.residual3[L - 1] : a.encoded
            GPT2Layers.layerNormBackwardTangent(dinpDot: &dxDot, dwDot: dv("ln_f.weight"), dbDot: dv("ln_f.bias"), dout: c.dlnf,
                                                doutDot: dlnfDot, inp: last, xhatDot: t.lnfXhat, w: p("ln_f.weight"), wDot: pv("ln_f.weight"),
                                                mean: a.lnfMean, rstd: a.lnfRstd, rstdDot: t.lnfRstd, N: N, C: C)
            for l in stride(from: L - 1, through: 0, by: -1) {
                let h = "h.\(l)"
                let input = l > 0 ? a.residual3[l - 1] : a.encoded
                var dresidual2Dot = dxDot
                var dgeluDot = zeros(N * 4 * C), dfchDot = zeros(N * 4 * C), dln2Dot = zeros(N * C)
                GPT2Layers.matmulBackwardTangent(dinpDot: &dgeluDot, dwDot: dv("\(h).mlp.c_proj.weight"), dbiasDot: dv("\(h).mlp.c_proj.bias"),
                                                 dout: c.dresidual3[l], doutDot: dxDot, inp: a.fchGelu[l], inpDot: t.fchGelu[l],
                                                 w: p("\(h).mlp.c_proj.weight"), wDot: pv("\(h).mlp.c_proj.weight"), N: N, C: 4 * C, OC: C)
                GPT2Layers.geluBackwardTangent(dinpDot: &dfchDot, dout: c.dgelu[l], doutDot: dgeluDot, inp: a.fch[l], tanh: a.fchTanh[l],
                                               inpDot: t.fch[l], count: N * 4 * C)
                GPT2Layers.matmulBackwardTangent(dinpDot: &dln2Dot, dwDot: dv("\(h).mlp.c_fc.weight"), dbiasDot: dv("\(h).mlp.c_fc.bias"),
                                                 dout: c.dfch[l], doutDot: dfchDot, inp: a.ln2[l], inpDot: t.ln2[l],
                                                 w: p("\(h).mlp.c_fc.weight"), wDot: pv("\(h).mlp.c_fc.weight"), N: N, C: C, OC: 4 * C)
                GPT2Layers.layerNormBackwardTangent(dinpDot: &dresidual2Dot, dwDot: dv("\(h).ln_2.weight"), dbDot: dv("\(h).ln_2.bias"),
                                                    dout: c.dln2[l], doutDot: dln2Dot, inp: a.residual2[l], xhatDot: t.ln2Xhat[l],
                                                    w: p("\(h).ln_2.weight"), wDot: pv("\(h).ln_2.weight"), mean: a.ln2Mean[l],
                                                    rstd: a.ln2Rstd[l], rstdDot: t.ln2Rstd[l], N: N, C: C)
                var dinputDot = dresidual2Dot
                var dattYDot = zeros(N * C), dqkvDot = zeros(N * 3 * C), dln1Dot = zeros(N * C)
                GPT2Layers.matmulBackwardTangent(dinpDot: &dattYDot, dwDot: dv("\(h).attn.c_proj.weight"), dbiasDot: dv("\(h).attn.c_proj.bias"),
                                                 dout: c.dresidual2[l], doutDot: dresidual2Dot, inp: a.attY[l], inpDot: t.attY[l],
                                                 w: p("\(h).attn.c_proj.weight"), wDot: pv("\(h).attn.c_proj.weight"), N: N, C: C, OC: C)
                GPT2Layers.attentionBackwardTangent(dqkvDot: &dqkvDot, dout: c.dattY[l], doutDot: dattYDot, qkv: a.qkv[l], qkvDot: t.qkv[l],
                                                    att: a.att[l], attDot: t.att[l], B: B, T: T, C: C, NH: NH)
                GPT2Layers.matmulBackwardTangent(dinpDot: &dln1Dot, dwDot: dv("\(h).attn.c_attn.weight"), dbiasDot: dv("\(h).attn.c_attn.bias"),
                                                 dout: c.dqkv[l], doutDot: dqkvDot, inp: a.ln1[l], inpDot: t.ln1[l],
                                                 w: p("\(h).attn.c_attn.weight"), wDot: pv("\(h).attn.c_attn.weight"), N: N, C: C, OC: 3 * C)
                GPT2Layers.layerNormBackwardTangent(dinpDot: &dinputDot, dwDot: dv("\(h).ln_1.weight"), dbDot: dv("\(h).ln_1.bias"),
                                                    dout: c.dln1[l], doutDot: dln1Dot, inp: input, xhatDot: t.ln1Xhat[l],
                                                    w: p("\(h).ln_1.weight"), wDot: pv("\(h).ln_1.weight"), mean: a.ln1Mean[l],
                                                    rstd: a.ln1Rstd[l], rstdDot: t.ln1Rstd[l], N: N, C: C)
                dxDot = dinputDot
            }
            GPT2Layers.encoderBackward(dwte: dv("wte.weight"), dwpe: dv("wpe.weight"), dout: dxDot, tokens: batch.tokens, B: B, T: T, C: C)
        }
        }
        }
    }
}
