import LinearAlgebra

/// The layers of GPT-2 as functions over flat row-major buffers, in the manner of llm.c's
/// `train_gpt2.c`: shapes in comments (B batch, T time, C channels, NH heads, V vocabulary,
/// N = B·T rows), caches written by the forward pass for the backward and tangent passes.
enum GPT2Layers {
    // out is (B,T,C); tokens is (B,T); wte is (V,C); wpe is (maxT,C).
    static func encoderForward<S: GEMMScalar>(_ out: UnsafeMutablePointer<S>, tokens: [Int32],
                                              wte: UnsafePointer<S>, wpe: UnsafePointer<S>, B: Int, T: Int, C: Int) {
        for b in 0..<B {
            for t in 0..<T {
                let o = out + (b * T + t) * C
                let token = Int(tokens[b * T + t])
                let te = wte + token * C, pe = wpe + t * C
                for i in 0..<C { o[i] = te[i] + pe[i] }
            }
        }
    }

    // out, inp are (N,C); mean, rstd are (N) caches; w, b are (C).
    // y = (x − μ) / √(σ² + ε) · w + b with the biased variance, as PyTorch's LayerNorm.
    static func layerNormForward<S: GEMMScalar>(_ out: UnsafeMutablePointer<S>, mean: UnsafeMutablePointer<S>,
                                                rstd: UnsafeMutablePointer<S>, _ inp: UnsafePointer<S>,
                                                w: UnsafePointer<S>, b: UnsafePointer<S>, N: Int, C: Int, eps: S) {
        for n in 0..<N {
            let x = inp + n * C
            var m: S = 0
            for i in 0..<C { m += x[i] }
            m /= S(C)
            var v: S = 0
            for i in 0..<C { let d = x[i] - m; v += d * d }
            v /= S(C)
            let s = 1 / (v + eps).squareRoot()
            let o = out + n * C
            for i in 0..<C { o[i] = (x[i] - m) * s * w[i] + b[i] }
            mean[n] = m
            rstd[n] = s
        }
    }

    // out is (N,OC); inp is (N,C); w is (C,OC) (Hugging Face Conv1D layout); bias is (OC) or nil.
    // out = inp · w + bias.
    static func matmulForward<S: GEMMScalar>(_ out: UnsafeMutablePointer<S>, _ inp: UnsafePointer<S>,
                                             w: UnsafePointer<S>, bias: UnsafePointer<S>?, N: Int, C: Int, OC: Int) {
        if let bias {
            for n in 0..<N { for o in 0..<OC { out[n * OC + o] = bias[o] } }
        }
        S.gemm(transposeA: false, transposeB: false, m: N, n: OC, k: C, alpha: 1, inp, lda: C, w, ldb: OC,
               beta: bias == nil ? 0 : 1, out, ldc: OC)
    }

    // out is (B,T,C); att is (B,NH,T,T) softmax cache; qkv is (B,T,3C) holding q, k, v.
    // Causal attention: att = softmax(q kᵀ / √hs) over s ≤ t (0 above the diagonal), out = att · v,
    // per head, whose q, k and v are (T,hs) views of qkv with row stride 3C. Each head's scores are one
    // (T,hs)·(hs,T) product, the whole square (the masked half costs less on BLAS than skipping it by hand).
    // - Complexity: O(B NH T² hs).
    static func attentionForward<S: GEMMScalar>(_ out: UnsafeMutablePointer<S>, att: UnsafeMutablePointer<S>,
                                                _ qkv: UnsafePointer<S>, B: Int, T: Int, C: Int, NH: Int) {
        let hs = C / NH
        let scale = 1 / S(hs).squareRoot()
        for b in 0..<B {
            for h in 0..<NH {
                let q = qkv + b * T * 3 * C + h * hs, k = q + C, v = q + 2 * C
                let a = att + (b * NH + h) * T * T
                S.gemm(transposeA: false, transposeB: true, m: T, n: T, k: hs, alpha: scale, q, lda: 3 * C, k, ldb: 3 * C, beta: 0, a, ldc: T)
                for t in 0..<T {
                    let row = a + t * T
                    let sum = S.sumOfExponentials(row, count: t + 1, shift: S.maximum(row, count: t + 1), store: true)
                    let inverse = 1 / sum
                    for s in 0...t { row[s] *= inverse }
                    for s in (t + 1)..<T { row[s] = 0 }
                }
                S.gemm(transposeA: false, transposeB: false, m: T, n: hs, k: T, alpha: 1, a, lda: T, v, ldb: 3 * C,
                       beta: 0, out + b * T * C + h * hs, ldc: C)
            }
        }
    }

    /// √(2/π), the gelu_new constant.
    static func geluScale<S: GEMMScalar>(_: S.Type) -> S { S(0.7978845608028654) }
    /// The cubic coefficient of gelu_new's tanh approximation (Hendrycks & Gimpel 2016).
    static func geluCubic<S: GEMMScalar>(_: S.Type) -> S { S(0.044715) }

    // out, inp, th are (N·4C). gelu_new: y = ½ x (1 + tanh u), u = √(2/π) (x + 0.044715 x³); th = tanh u
    // is kept for the backward and tangent passes, which would otherwise evaluate it again.
    static func geluForward<S: GEMMScalar>(_ out: UnsafeMutablePointer<S>, tanh th: UnsafeMutablePointer<S>, _ inp: UnsafePointer<S>, count: Int) {
        let k = geluScale(S.self), c = geluCubic(S.self)
        for i in 0..<count { let x = inp[i]; th[i] = k * (x + c * x * x * x) }
        S.tanh(th, into: th, count: count)
        for i in 0..<count { out[i] = S(0.5) * inp[i] * (1 + th[i]) }
    }

    // out = a + b, all (count).
    static func residualForward<S: GEMMScalar>(_ out: UnsafeMutablePointer<S>, _ a: UnsafePointer<S>,
                                               _ b: UnsafePointer<S>, count: Int) {
        for i in 0..<count { out[i] = a[i] + b[i] }
    }

    // logits is (N,V) and becomes the softmax in place (kept for the backward pass); losses is (N):
    // logsumexp(logits) − logits[target] for rows with a target (target < 0: no prediction, loss 0).
    static func softmaxCrossEntropyForward<S: GEMMScalar>(logitsToProbs p: UnsafeMutablePointer<S>, losses: UnsafeMutablePointer<S>,
                                                          targets: [Int32], N: Int, V: Int) {
        for n in 0..<N {
            let row = p + n * V
            let maxValue = S.maximum(row, count: V)
            let target = Int(targets[n])
            let targetLogit = target < 0 ? 0 : row[target]
            let sum = S.sumOfExponentials(row, count: V, shift: maxValue, store: true)
            let inverse = 1 / sum
            for i in 0..<V { row[i] *= inverse }
            losses[n] = target < 0 ? 0 : -(targetLogit - maxValue - S.log(sum))
        }
    }

    // logits is the (N,width) block of columns first ..< first+width of the (N,V) logits, row stride
    // ld, read only. Folds it into each row's running log-sum-exp, maxima (N) and sums (N) of
    // exp(logit − maximum), rescaling a sum whenever its maximum grows, and picks up targetLogits (N)
    // for the targets inside the block. After the last block, loss = maximum + log sum − target logit,
    // as `softmaxCrossEntropyForward` gives, without writing any softmax.
    static func logSumExpAccumulate<S: GEMMScalar>(maxima: UnsafeMutablePointer<S>, sums: UnsafeMutablePointer<S>,
                                                   targetLogits: UnsafeMutablePointer<S>, logits: UnsafeMutablePointer<S>, ld: Int,
                                                   first: Int, width: Int, targets: [Int32], N: Int) {
        for n in 0..<N {
            let row = logits + n * ld
            let target = Int(targets[n]) - first
            if target >= 0 && target < width { targetLogits[n] = row[target] }
            let blockMaximum = S.maximum(row, count: width)
            let maximum = blockMaximum.isNaN ? blockMaximum : Swift.max(maxima[n], blockMaximum)
            sums[n] = sums[n] * S.exp(maxima[n] - maximum) + S.sumOfExponentials(row, count: width, shift: maximum, store: false)
            maxima[n] = maximum
        }
    }
}
