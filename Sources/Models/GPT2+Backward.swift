import LinearAlgebra

extension GPT2 {
    /// The mean loss on a batch and its gradient with respect to every parameter, in
    /// `GPT2Parameters` layout.
    /// - Complexity: about twice the forward pass.
    @_specialize(where S == Double)
    @_specialize(where S == Float)
    public func gradient(_ batch: TokenBatch) -> (loss: GPT2Loss<S>, gradient: [S]) {
        let (loss, a) = forward(batch)
        var grad = [S](repeating: 0, count: weights.count), unused: [S] = []
        var activations = a, none: GPT2Tangents<S>? = nil
        backward(batch, &activations, tangents: &none, grad: &grad, hvp: &unused)
        return (loss, grad)
    }

    /// Accumulates ∂(mean loss)/∂θ into `grad` from the caches of a forward pass and, given the
    /// tangents of that pass along v, the directional derivative of the gradient, H v, into `hvp`.
    /// Each layer's backward call is followed by its tangent, in one sweep. An empty `grad` asks for
    /// H v alone: the sweep then propagates ∂loss/∂activations (which H v needs) but forms no
    /// parameter gradient, which saves one vocabulary-sized product and a third of each block's.
    /// The (N, V) probabilities of `a` and `t` are consumed: they become dlogits and its tangent in place.
    @_specialize(where S == Double)
    @_specialize(where S == Float)
    func backward(_ batch: TokenBatch, _ a: inout GPT2Activations<S>, tangents t: inout GPT2Tangents<S>?,
                  grad: inout [S], hvp: inout [S]) {
        let (B, T, C, NH, V, L) = (batch.batch, batch.length, config.channels, config.heads, config.vocabulary, config.layers)
        let N = B * T
        let tangent = t != nil
        func zeros(_ n: Int) -> [S] { [S](repeating: 0, count: n) }
        /// A buffer for a tangent: empty when no tangent is being computed.
        func tzeros(_ n: Int) -> [S] { tangent ? zeros(n) : [] }
        if tangent && hvp.count != weights.count { hvp = zeros(weights.count) }
        let direction = t?.direction ?? []
        weights.withUnsafeBufferPointer { wbuf in
        direction.withUnsafeBufferPointer { vbuf in
        grad.withUnsafeMutableBufferPointer { gbuf in
        hvp.withUnsafeMutableBufferPointer { hbuf in
            let w = wbuf.baseAddress!, g = gbuf.isEmpty ? nil : gbuf.baseAddress  // an empty buffer's address may be non-nil
            func p(_ name: String) -> UnsafePointer<S> { w + range(name).lowerBound }
            /// The parameter gradient's slice, nil when no gradient is wanted.
            func d(_ name: String) -> UnsafeMutablePointer<S>? { g.map { $0 + range(name).lowerBound } }
            func pv(_ name: String) -> UnsafePointer<S> { vbuf.baseAddress! + range(name).lowerBound }
            func dv(_ name: String) -> UnsafeMutablePointer<S> { hbuf.baseAddress! + range(name).lowerBound }
            let dloss = 1 / S(B * (T - 1))

            var dlogits: [S] = []
            swap(&dlogits, &a.probs)
            GPT2Layers.softmaxCrossEntropyBackward(probsToDlogits: &dlogits, targets: batch.targets, dloss: dloss, N: N, V: V)
            // logits = lnf · wteᵀ: dlnf = dlogits · wte, dwte += dlogitsᵀ · lnf.
            var dlnf = zeros(N * C)
            S.gemm(transposeA: false, transposeB: false, m: N, n: C, k: V, alpha: 1, dlogits, lda: V, p("wte.weight"), ldb: C, beta: 0, &dlnf, ldc: C)
            if let dwte = d("wte.weight") {
                S.gemm(transposeA: true, transposeB: false, m: V, n: C, k: N, alpha: 1, dlogits, lda: V, a.lnf, ldb: C, beta: 1, dwte, ldc: C)
            }
            var dlnfDot = tzeros(N * C)
            var dlogitsDotStorage: [S] = []
            if t != nil { swap(&dlogitsDotStorage, &t!.probs) }
            if let t {
                // ḋlogits = ṗ · dloss on rows with a target, 0 on the others; ḋlnf = ḋlogits wte + dlogits ẇte;
                // ḋwte += ḋlogitsᵀ lnf + dlogitsᵀ l̇nf. The factor dloss rides on the products' α.
                var pDot: [S] = []
                swap(&pDot, &dlogitsDotStorage)  // moved, not shared: rows without a target zeroed in place
                let targets = batch.targets
                for n in 0..<N where targets[n] < 0 {
                    for i in 0..<V { pDot[n * V + i] = 0 }
                }
                S.gemm(transposeA: false, transposeB: false, m: N, n: C, k: V, alpha: dloss, pDot, lda: V, p("wte.weight"), ldb: C, beta: 0, &dlnfDot, ldc: C)
                S.gemm(transposeA: false, transposeB: false, m: N, n: C, k: V, alpha: 1, dlogits, lda: V, pv("wte.weight"), ldb: C, beta: 1, &dlnfDot, ldc: C)
                S.gemm(transposeA: true, transposeB: false, m: V, n: C, k: N, alpha: dloss, pDot, lda: V, a.lnf, ldb: C, beta: 1, dv("wte.weight"), ldc: C)
                S.gemm(transposeA: true, transposeB: false, m: V, n: C, k: N, alpha: 1, dlogits, lda: V, t.lnf, ldb: C, beta: 1, dv("wte.weight"), ldc: C)
            }

            var dx = zeros(N * C), dxDot = tzeros(N * C)
            let last = L > 0 ? a.residual3[L - 1] : a.encoded
            GPT2Layers.layerNormBackward(dinp: &dx, dw: d("ln_f.weight"), db: d("ln_f.bias"), dout: dlnf, inp: last,
                                         w: p("ln_f.weight"), mean: a.lnfMean, rstd: a.lnfRstd, N: N, C: C)
            if let t {
                GPT2Layers.layerNormBackwardTangent(dinpDot: &dxDot, dwDot: dv("ln_f.weight"), dbDot: dv("ln_f.bias"), dout: dlnf,
                                                    doutDot: dlnfDot, inp: last, xhatDot: t.lnfXhat, w: p("ln_f.weight"), wDot: pv("ln_f.weight"),
                                                    mean: a.lnfMean, rstd: a.lnfRstd, rstdDot: t.lnfRstd, N: N, C: C)
            }
            for l in stride(from: L - 1, through: 0, by: -1) {
                let h = "h.\(l)"
                let input = l > 0 ? a.residual3[l - 1] : a.encoded
                // residual3 = residual2 + fcProj: both receive dx.
                var dresidual2 = dx, dresidual2Dot = dxDot
                var dgelu = zeros(N * 4 * C), dfch = zeros(N * 4 * C), dln2 = zeros(N * C)
                var dgeluDot = tzeros(N * 4 * C), dfchDot = tzeros(N * 4 * C), dln2Dot = tzeros(N * C)
                GPT2Layers.matmulBackward(dinp: &dgelu, dw: d("\(h).mlp.c_proj.weight"), dbias: d("\(h).mlp.c_proj.bias"),
                                          dout: dx, inp: a.fchGelu[l], w: p("\(h).mlp.c_proj.weight"), N: N, C: 4 * C, OC: C)
                if let t {
                    GPT2Layers.matmulBackwardTangent(dinpDot: &dgeluDot, dwDot: dv("\(h).mlp.c_proj.weight"), dbiasDot: dv("\(h).mlp.c_proj.bias"),
                                                     dout: dx, doutDot: dxDot, inp: a.fchGelu[l], inpDot: t.fchGelu[l],
                                                     w: p("\(h).mlp.c_proj.weight"), wDot: pv("\(h).mlp.c_proj.weight"), N: N, C: 4 * C, OC: C)
                }
                GPT2Layers.geluBackward(dinp: &dfch, dout: dgelu, inp: a.fch[l], tanh: a.fchTanh[l], count: N * 4 * C)
                if let t {
                    GPT2Layers.geluBackwardTangent(dinpDot: &dfchDot, dout: dgelu, doutDot: dgeluDot, inp: a.fch[l], tanh: a.fchTanh[l],
                                                   inpDot: t.fch[l], count: N * 4 * C)
                }
                GPT2Layers.matmulBackward(dinp: &dln2, dw: d("\(h).mlp.c_fc.weight"), dbias: d("\(h).mlp.c_fc.bias"),
                                          dout: dfch, inp: a.ln2[l], w: p("\(h).mlp.c_fc.weight"), N: N, C: C, OC: 4 * C)
                if let t {
                    GPT2Layers.matmulBackwardTangent(dinpDot: &dln2Dot, dwDot: dv("\(h).mlp.c_fc.weight"), dbiasDot: dv("\(h).mlp.c_fc.bias"),
                                                     dout: dfch, doutDot: dfchDot, inp: a.ln2[l], inpDot: t.ln2[l],
                                                     w: p("\(h).mlp.c_fc.weight"), wDot: pv("\(h).mlp.c_fc.weight"), N: N, C: C, OC: 4 * C)
                }
                GPT2Layers.layerNormBackward(dinp: &dresidual2, dw: d("\(h).ln_2.weight"), db: d("\(h).ln_2.bias"), dout: dln2,
                                             inp: a.residual2[l], w: p("\(h).ln_2.weight"), mean: a.ln2Mean[l], rstd: a.ln2Rstd[l], N: N, C: C)
                if let t {
                    GPT2Layers.layerNormBackwardTangent(dinpDot: &dresidual2Dot, dwDot: dv("\(h).ln_2.weight"), dbDot: dv("\(h).ln_2.bias"),
                                                        dout: dln2, doutDot: dln2Dot, inp: a.residual2[l], xhatDot: t.ln2Xhat[l],
                                                        w: p("\(h).ln_2.weight"), wDot: pv("\(h).ln_2.weight"), mean: a.ln2Mean[l],
                                                        rstd: a.ln2Rstd[l], rstdDot: t.ln2Rstd[l], N: N, C: C)
                }
                // residual2 = input + attProj: both receive dresidual2.
                var dinput = dresidual2, dinputDot = dresidual2Dot
                var dattY = zeros(N * C), dqkv = zeros(N * 3 * C), dln1 = zeros(N * C)
                var dattYDot = tzeros(N * C), dqkvDot = tzeros(N * 3 * C), dln1Dot = tzeros(N * C)
                GPT2Layers.matmulBackward(dinp: &dattY, dw: d("\(h).attn.c_proj.weight"), dbias: d("\(h).attn.c_proj.bias"),
                                          dout: dresidual2, inp: a.attY[l], w: p("\(h).attn.c_proj.weight"), N: N, C: C, OC: C)
                if let t {
                    GPT2Layers.matmulBackwardTangent(dinpDot: &dattYDot, dwDot: dv("\(h).attn.c_proj.weight"), dbiasDot: dv("\(h).attn.c_proj.bias"),
                                                     dout: dresidual2, doutDot: dresidual2Dot, inp: a.attY[l], inpDot: t.attY[l],
                                                     w: p("\(h).attn.c_proj.weight"), wDot: pv("\(h).attn.c_proj.weight"), N: N, C: C, OC: C)
                }
                GPT2Layers.attentionBackward(dqkv: &dqkv, dout: dattY, qkv: a.qkv[l], att: a.att[l], B: B, T: T, C: C, NH: NH)
                if let t {
                    GPT2Layers.attentionBackwardTangent(dqkvDot: &dqkvDot, dout: dattY, doutDot: dattYDot, qkv: a.qkv[l], qkvDot: t.qkv[l],
                                                        att: a.att[l], attDot: t.att[l], B: B, T: T, C: C, NH: NH)
                }
                GPT2Layers.matmulBackward(dinp: &dln1, dw: d("\(h).attn.c_attn.weight"), dbias: d("\(h).attn.c_attn.bias"),
                                          dout: dqkv, inp: a.ln1[l], w: p("\(h).attn.c_attn.weight"), N: N, C: C, OC: 3 * C)
                if let t {
                    GPT2Layers.matmulBackwardTangent(dinpDot: &dln1Dot, dwDot: dv("\(h).attn.c_attn.weight"), dbiasDot: dv("\(h).attn.c_attn.bias"),
                                                     dout: dqkv, doutDot: dqkvDot, inp: a.ln1[l], inpDot: t.ln1[l],
                                                     w: p("\(h).attn.c_attn.weight"), wDot: pv("\(h).attn.c_attn.weight"), N: N, C: C, OC: 3 * C)
                }
                GPT2Layers.layerNormBackward(dinp: &dinput, dw: d("\(h).ln_1.weight"), db: d("\(h).ln_1.bias"), dout: dln1,
                                             inp: input, w: p("\(h).ln_1.weight"), mean: a.ln1Mean[l], rstd: a.ln1Rstd[l], N: N, C: C)
                if let t {
                    GPT2Layers.layerNormBackwardTangent(dinpDot: &dinputDot, dwDot: dv("\(h).ln_1.weight"), dbDot: dv("\(h).ln_1.bias"),
                                                        dout: dln1, doutDot: dln1Dot, inp: input, xhatDot: t.ln1Xhat[l],
                                                        w: p("\(h).ln_1.weight"), wDot: pv("\(h).ln_1.weight"), mean: a.ln1Mean[l],
                                                        rstd: a.ln1Rstd[l], rstdDot: t.ln1Rstd[l], N: N, C: C)
                }
                dx = dinput
                dxDot = dinputDot
            }
            if let dwte = d("wte.weight"), let dwpe = d("wpe.weight") {
                GPT2Layers.encoderBackward(dwte: dwte, dwpe: dwpe, dout: dx, tokens: batch.tokens, B: B, T: T, C: C)
            }
            if tangent {
                GPT2Layers.encoderBackward(dwte: dv("wte.weight"), dwpe: dv("wpe.weight"), dout: dxDot, tokens: batch.tokens, B: B, T: T, C: C)
            }
        }
        }
        }
        }
    }
}
