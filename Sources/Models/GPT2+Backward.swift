import LinearAlgebra

extension GPT2 {
    /// The mean loss on a batch and its gradient with respect to every parameter, in
    /// `GPT2Parameters` layout.
    /// - Complexity: about twice the forward pass.
    public func gradient(_ batch: TokenBatch) -> (loss: GPT2Loss<S>, gradient: [S]) {
        let (loss, a) = forward(batch)
        var grad = [S](repeating: 0, count: weights.count)
        backward(batch, a, into: &grad)
        return (loss, grad)
    }

    /// Accumulates ∂(mean loss)/∂θ into `grad` from the caches of a forward pass.
    func backward(_ batch: TokenBatch, _ a: GPT2Activations<S>, into grad: inout [S]) {
        let (B, T, C, NH, V, L) = (batch.batch, batch.length, config.channels, config.heads, config.vocabulary, config.layers)
        let N = B * T
        func zeros(_ n: Int) -> [S] { [S](repeating: 0, count: n) }
        weights.withUnsafeBufferPointer { wbuf in
            grad.withUnsafeMutableBufferPointer { gbuf in
                let w = wbuf.baseAddress!, g = gbuf.baseAddress!
                func p(_ name: String) -> UnsafePointer<S> { w + range(name).lowerBound }
                func d(_ name: String) -> UnsafeMutablePointer<S> { g + range(name).lowerBound }

                var dlogits = zeros(N * V)
                GPT2Layers.softmaxCrossEntropyBackward(dlogits: &dlogits, probs: a.probs, targets: batch.targets,
                                                       dloss: 1 / S(B * (T - 1)), N: N, V: V)
                // logits = lnf · wteᵀ: dlnf = dlogits · wte, dwte += dlogitsᵀ · lnf.
                var dlnf = zeros(N * C)
                S.gemm(transposeA: false, transposeB: false, m: N, n: C, k: V, alpha: 1, dlogits, lda: V,
                       p("wte.weight"), ldb: C, beta: 0, &dlnf, ldc: C)
                S.gemm(transposeA: true, transposeB: false, m: V, n: C, k: N, alpha: 1, dlogits, lda: V,
                       a.lnf, ldb: C, beta: 1, d("wte.weight"), ldc: C)
                var dx = zeros(N * C)
                let last = L > 0 ? a.residual3[L - 1] : a.encoded
                GPT2Layers.layerNormBackward(dinp: &dx, dw: d("ln_f.weight"), db: d("ln_f.bias"), dout: dlnf, inp: last,
                                             w: p("ln_f.weight"), mean: a.lnfMean, rstd: a.lnfRstd, N: N, C: C)
                for l in stride(from: L - 1, through: 0, by: -1) {
                    let h = "h.\(l)"
                    let input = l > 0 ? a.residual3[l - 1] : a.encoded
                    // residual3 = residual2 + fcProj: both receive dx.
                    var dresidual2 = dx
                    var dgelu = zeros(N * 4 * C), dfch = zeros(N * 4 * C), dln2 = zeros(N * C)
                    GPT2Layers.matmulBackward(dinp: &dgelu, dw: d("\(h).mlp.c_proj.weight"), dbias: d("\(h).mlp.c_proj.bias"),
                                              dout: dx, inp: a.fchGelu[l], w: p("\(h).mlp.c_proj.weight"), N: N, C: 4 * C, OC: C)
                    GPT2Layers.geluBackward(dinp: &dfch, dout: dgelu, inp: a.fch[l], count: N * 4 * C)
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
                    dx = dinput
                }
                GPT2Layers.encoderBackward(dwte: d("wte.weight"), dwpe: d("wpe.weight"), dout: dx, tokens: batch.tokens, B: B, T: T, C: C)
            }
        }
    }
}
