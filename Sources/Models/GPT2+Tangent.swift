import LinearAlgebra

/// The directional derivatives of the forward pass's caches along a parameter direction v
/// (per layer l; shapes as in `GPT2Activations`).
struct GPT2Tangents<S: GEMMScalar> {
    var direction: [S]                         // v, in parameter layout
    var encoded: [S]
    var ln1, ln1Xhat, ln1Rstd: [[S]]           // ẏ, x̂̇, ṙ of ln_1
    var qkv, att, attY, residual2: [[S]]
    var ln2, ln2Xhat, ln2Rstd: [[S]]
    var fch, fchGelu, residual3: [[S]]
    var lnf, lnfXhat, lnfRstd: [S]
    var logits: [S]                            // ż (N,V)
}

extension GPT2 {
    /// The tangent of `forward` along v from its caches `a`: each layer's tangent call in turn, up to
    /// the logits' tangent ż = l̇nf · wteᵀ + lnf · ẇteᵀ.
    /// - Complexity: two forward passes' worth of matrix products.
    @_specialize(where S == Double)
    @_specialize(where S == Float)
    func tangentForward(_ batch: TokenBatch, _ a: GPT2Activations<S>, direction v: [S]) -> GPT2Tangents<S> {
        let (B, T, C, NH, V, L) = (batch.batch, batch.length, config.channels, config.heads, config.vocabulary, config.layers)
        let N = B * T
        func zeros(_ n: Int) -> [S] { [S](repeating: 0, count: n) }
        var t = GPT2Tangents<S>(direction: v, encoded: zeros(N * C), ln1: [], ln1Xhat: [], ln1Rstd: [], qkv: [], att: [], attY: [],
                                residual2: [], ln2: [], ln2Xhat: [], ln2Rstd: [], fch: [], fchGelu: [], residual3: [],
                                lnf: zeros(N * C), lnfXhat: zeros(N * C), lnfRstd: zeros(N), logits: zeros(N * V))
        weights.withUnsafeBufferPointer { wbuf in
            v.withUnsafeBufferPointer { vbuf in
                let w = wbuf.baseAddress!, vd = vbuf.baseAddress!
                func p(_ name: String) -> UnsafePointer<S> { w + range(name).lowerBound }
                func d(_ name: String) -> UnsafePointer<S> { vd + range(name).lowerBound }
                GPT2Layers.encoderTangent(&t.encoded, tokens: batch.tokens, wteDot: d("wte.weight"), wpeDot: d("wpe.weight"), B: B, T: T, C: C)
                var xDot = t.encoded
                for l in 0..<L {
                    let h = "h.\(l)"
                    let x = l > 0 ? a.residual3[l - 1] : a.encoded
                    var ln1 = zeros(N * C), ln1Xhat = zeros(N * C), ln1Rstd = zeros(N)
                    GPT2Layers.layerNormTangent(&ln1, xhatDot: &ln1Xhat, rstdDot: &ln1Rstd, inp: x, inpDot: xDot, mean: a.ln1Mean[l],
                                                rstd: a.ln1Rstd[l], w: p("\(h).ln_1.weight"), wDot: d("\(h).ln_1.weight"), bDot: d("\(h).ln_1.bias"), N: N, C: C)
                    var qkv = zeros(N * 3 * C)
                    GPT2Layers.matmulTangent(&qkv, inp: a.ln1[l], inpDot: ln1, w: p("\(h).attn.c_attn.weight"), wDot: d("\(h).attn.c_attn.weight"),
                                             biasDot: d("\(h).attn.c_attn.bias"), N: N, C: C, OC: 3 * C)
                    var att = zeros(B * NH * T * T), attY = zeros(N * C)
                    GPT2Layers.attentionTangent(&attY, attDot: &att, qkv: a.qkv[l], qkvDot: qkv, att: a.att[l], B: B, T: T, C: C, NH: NH)
                    var attProj = zeros(N * C)
                    GPT2Layers.matmulTangent(&attProj, inp: a.attY[l], inpDot: attY, w: p("\(h).attn.c_proj.weight"), wDot: d("\(h).attn.c_proj.weight"),
                                             biasDot: d("\(h).attn.c_proj.bias"), N: N, C: C, OC: C)
                    var residual2 = zeros(N * C)
                    GPT2Layers.residualForward(&residual2, xDot, attProj, count: N * C)
                    var ln2 = zeros(N * C), ln2Xhat = zeros(N * C), ln2Rstd = zeros(N)
                    GPT2Layers.layerNormTangent(&ln2, xhatDot: &ln2Xhat, rstdDot: &ln2Rstd, inp: a.residual2[l], inpDot: residual2,
                                                mean: a.ln2Mean[l], rstd: a.ln2Rstd[l], w: p("\(h).ln_2.weight"), wDot: d("\(h).ln_2.weight"),
                                                bDot: d("\(h).ln_2.bias"), N: N, C: C)
                    var fch = zeros(N * 4 * C), gelu = zeros(N * 4 * C)
                    GPT2Layers.matmulTangent(&fch, inp: a.ln2[l], inpDot: ln2, w: p("\(h).mlp.c_fc.weight"), wDot: d("\(h).mlp.c_fc.weight"),
                                             biasDot: d("\(h).mlp.c_fc.bias"), N: N, C: C, OC: 4 * C)
                    GPT2Layers.geluTangent(&gelu, inp: a.fch[l], tanh: a.fchTanh[l], inpDot: fch, count: N * 4 * C)
                    var fcProj = zeros(N * C)
                    GPT2Layers.matmulTangent(&fcProj, inp: a.fchGelu[l], inpDot: gelu, w: p("\(h).mlp.c_proj.weight"), wDot: d("\(h).mlp.c_proj.weight"),
                                             biasDot: d("\(h).mlp.c_proj.bias"), N: N, C: 4 * C, OC: C)
                    var residual3 = zeros(N * C)
                    GPT2Layers.residualForward(&residual3, residual2, fcProj, count: N * C)
                    t.ln1.append(ln1); t.ln1Xhat.append(ln1Xhat); t.ln1Rstd.append(ln1Rstd); t.qkv.append(qkv); t.att.append(att)
                    t.attY.append(attY); t.residual2.append(residual2); t.ln2.append(ln2); t.ln2Xhat.append(ln2Xhat); t.ln2Rstd.append(ln2Rstd)
                    t.fch.append(fch); t.fchGelu.append(gelu); t.residual3.append(residual3)
                    xDot = residual3
                }
                let last = L > 0 ? a.residual3[L - 1] : a.encoded
                GPT2Layers.layerNormTangent(&t.lnf, xhatDot: &t.lnfXhat, rstdDot: &t.lnfRstd, inp: last, inpDot: xDot, mean: a.lnfMean,
                                            rstd: a.lnfRstd, w: p("ln_f.weight"), wDot: d("ln_f.weight"), bDot: d("ln_f.bias"), N: N, C: C)
                // l̇ = l̇nf · wteᵀ + lnf · ẇteᵀ.
                S.gemm(transposeA: false, transposeB: true, m: N, n: V, k: C, alpha: 1, t.lnf, lda: C, p("wte.weight"), ldb: C,
                       beta: 0, &t.logits, ldc: V)
                S.gemm(transposeA: false, transposeB: true, m: N, n: V, k: C, alpha: 1, a.lnf, lda: C, d("wte.weight"), ldb: C,
                       beta: 1, &t.logits, ldc: V)
            }
        }
        return t
    }
}
