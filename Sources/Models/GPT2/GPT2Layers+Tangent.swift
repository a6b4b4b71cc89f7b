import LinearAlgebra

/// Tangent (R-op) passes of `GPT2Layers`: the directional derivative of each forward and each
/// backward function along a direction in all its inputs (`Dot` suffix: the derivative of that
/// buffer). Together they give exact Hessian-vector products by forward-over-reverse.
extension GPT2Layers {
    // MARK: Forward tangents

    // outDot is (B,T,C): ẇte[token] + ẇpe[t].
    static func encoderTangent<S: GEMMScalar>(_ outDot: UnsafeMutablePointer<S>, tokens: [Int32],
                                              wteDot: UnsafePointer<S>, wpeDot: UnsafePointer<S>, B: Int, T: Int, C: Int) {
        encoderForward(outDot, tokens: tokens, wte: wteDot, wpe: wpeDot, B: B, T: T, C: C)
    }

    // outDot, xhatDot, inp, inpDot are (N,C); rstdDot, mean, rstd are (N); w, wDot, bDot are (C).
    // μ̇ = mean(ẋ), σ̇² = 2 mean((x − μ) ẋ), ṙ = −½ r³ σ̇², x̂̇ = (ẋ − μ̇) r + (x − μ) ṙ,
    // ẏ = x̂̇ w + x̂ ẇ + ḃ. x̂̇ and ṙ are kept for the backward tangent. ẇ, ḃ nil: zero (the gain and bias
    // do not move).
    static func layerNormTangent<S: GEMMScalar>(_ outDot: UnsafeMutablePointer<S>, xhatDot: UnsafeMutablePointer<S>,
                                                rstdDot: UnsafeMutablePointer<S>, inp: UnsafePointer<S>, inpDot: UnsafePointer<S>,
                                                mean: UnsafePointer<S>, rstd: UnsafePointer<S>,
                                                w: UnsafePointer<S>, wDot: UnsafePointer<S>?, bDot: UnsafePointer<S>?, N: Int, C: Int) {
        for n in 0..<N {
            let x = inp + n * C, xd = inpDot + n * C
            let (m, r) = (mean[n], rstd[n])
            var meanDot: S = 0, varDot: S = 0
            for i in 0..<C { meanDot += xd[i]; varDot += (x[i] - m) * xd[i] }
            meanDot /= S(C)
            varDot = 2 * varDot / S(C)
            let rDot = -S(0.5) * r * r * r * varDot
            rstdDot[n] = rDot
            let o = outDot + n * C, hd = xhatDot + n * C
            for i in 0..<C {
                hd[i] = (xd[i] - meanDot) * r + (x[i] - m) * rDot
                if let wDot, let bDot {
                    let xhat = (x[i] - m) * r
                    o[i] = hd[i] * w[i] + xhat * wDot[i] + bDot[i]
                } else {
                    o[i] = hd[i] * w[i]
                }
            }
        }
    }

    // outDot is (N,OC): ẋ w + x ẇ + ḃ (ẇ and ḃ nil: the weights do not move).
    static func matmulTangent<S: GEMMScalar>(_ outDot: UnsafeMutablePointer<S>, inp: UnsafePointer<S>, inpDot: UnsafePointer<S>,
                                             w: UnsafePointer<S>, wDot: UnsafePointer<S>?, biasDot: UnsafePointer<S>?,
                                             N: Int, C: Int, OC: Int) {
        matmulForward(outDot, inpDot, w: w, bias: biasDot, N: N, C: C, OC: OC)
        if let wDot {
            S.gemm(transposeA: false, transposeB: false, m: N, n: OC, k: C, alpha: 1, inp, lda: C, wDot, ldb: OC, beta: 1, outDot, ldc: OC)
        }
    }

    // outDot is (B,T,C); attDot is (B,NH,T,T); qkv, qkvDot are (B,T,3C); att is the forward's softmax.
    // Per head: ṗ = (q̇ kᵀ + q k̇ᵀ) / √hs, ȧ = a ⊙ (ṗ − Σ a ṗ) on s ≤ t (0 above), ȯ = ȧ v + a v̇.
    // - Complexity: O(B NH T² hs), four (T,T)-sized products per head.
    static func attentionTangent<S: GEMMScalar>(_ outDot: UnsafeMutablePointer<S>, attDot: UnsafeMutablePointer<S>,
                                                qkv: UnsafePointer<S>, qkvDot: UnsafePointer<S>, att: UnsafePointer<S>,
                                                B: Int, T: Int, C: Int, NH: Int) {
        let hs = C / NH
        let scale = 1 / S(hs).squareRoot()
        for b in 0..<B {
            for h in 0..<NH {
                let q = qkv + b * T * 3 * C + h * hs, k = q + C, v = q + 2 * C
                let qd = qkvDot + b * T * 3 * C + h * hs, kd = qd + C, vd = qd + 2 * C
                let a = att + (b * NH + h) * T * T, ad = attDot + (b * NH + h) * T * T
                S.gemm(transposeA: false, transposeB: true, m: T, n: T, k: hs, alpha: scale, qd, lda: 3 * C, k, ldb: 3 * C, beta: 0, ad, ldc: T)
                S.gemm(transposeA: false, transposeB: true, m: T, n: T, k: hs, alpha: scale, q, lda: 3 * C, kd, ldb: 3 * C, beta: 1, ad, ldc: T)
                for t in 0..<T {
                    let (aRow, row) = (a + t * T, ad + t * T)
                    let mean = S.dot(aRow, row, count: t + 1)
                    for s in 0...t { row[s] = aRow[s] * (row[s] - mean) }
                    for s in (t + 1)..<T { row[s] = 0 }
                }
                let o = outDot + b * T * C + h * hs
                S.gemm(transposeA: false, transposeB: false, m: T, n: hs, k: T, alpha: 1, ad, lda: T, v, ldb: 3 * C, beta: 0, o, ldc: C)
                S.gemm(transposeA: false, transposeB: false, m: T, n: hs, k: T, alpha: 1, a, lda: T, vd, ldb: 3 * C, beta: 1, o, ldc: C)
            }
        }
    }

    /// gelu_new′(x) and gelu_new″(x) given th = tanh u: with u = k(x + c x³), s = 1 − th², u′ = k(1 + 3c x²),
    /// u″ = 6 k c x: f′ = ½(1 + th) + ½ x s u′, f″ = s u′ + ½ x s (u″ − 2 th u′²).
    @inline(__always)
    static func geluDerivatives<S: GEMMScalar>(_ x: S, tanh th: S) -> (first: S, second: S) {
        let k = geluScale(S.self), c = geluCubic(S.self)
        let s = 1 - th * th
        let u1 = k * (1 + 3 * c * x * x), u2 = 6 * k * c * x
        return (S(0.5) * (1 + th) + S(0.5) * x * s * u1, s * u1 + S(0.5) * x * s * (u2 - 2 * th * u1 * u1))
    }

    // outDot = gelu′(x) ẋ, all (count); th = tanh u from the forward pass.
    static func geluTangent<S: GEMMScalar>(_ outDot: UnsafeMutablePointer<S>, inp: UnsafePointer<S>, tanh th: UnsafePointer<S>,
                                           inpDot: UnsafePointer<S>, count: Int) {
        for i in 0..<count { outDot[i] = geluDerivatives(inp[i], tanh: th[i]).first * inpDot[i] }
    }

    // MARK: Backward tangents

    // The tangent of `softmaxCrossEntropyBackward`, g = dloss (p − e_y) on rows with a target y, 0 on
    // the others; d is (N,V), the logits' tangent ż in and ġ out, in place; dlogits is g (N,V).
    // ġ = dloss ṗ with ṗ = p ⊙ (ż − ⟨p, ż⟩), written through g itself (p is not kept):
    // dloss p = g + dloss e_y and ⟨p, ż⟩ = ⟨g, ż⟩ / dloss + ż_y.
    static func softmaxCrossEntropyBackwardTangent<S: GEMMScalar>(logitsDotToDlogitsDot d: UnsafeMutablePointer<S>,
                                                                  dlogits g: UnsafePointer<S>, targets: [Int32],
                                                                  dloss: S, N: Int, V: Int) {
        for n in 0..<N {
            let row = d + n * V, gRow = g + n * V
            let target = Int(targets[n])
            guard target >= 0 else { for i in 0..<V { row[i] = 0 }; continue }
            let targetDot = row[target]
            let mean = S.dot(gRow, row, count: V) / dloss + targetDot
            for i in 0..<V { row[i] = gRow[i] * (row[i] - mean) }
            row[target] += dloss * (targetDot - mean)
        }
    }


    // The tangent of `layerNormBackward`. With g = dout ⊙ w, ḡ = mean g, m = mean(g x̂):
    // dx = r (g − ḡ − x̂ m) ⇒ ḋx = ṙ (g − ḡ − x̂ m) + r (ġ − mean ġ − x̂̇ m − x̂ ṁ),
    // ġ = ḋout ⊙ w + dout ⊙ ẇ, ṁ = mean(ġ x̂ + g x̂̇); ḋw += ḋout x̂ + dout x̂̇; ḋb += ḋout. Any output nil is not
    // formed; ẇ nil is zero.
    static func layerNormBackwardTangent<S: GEMMScalar>(
        dinpDot: UnsafeMutablePointer<S>?, dwDot: UnsafeMutablePointer<S>?, dbDot: UnsafeMutablePointer<S>?,
        dout: UnsafePointer<S>, doutDot: UnsafePointer<S>, inp: UnsafePointer<S>, xhatDot: UnsafePointer<S>,
        w: UnsafePointer<S>, wDot: UnsafePointer<S>?, mean: UnsafePointer<S>, rstd: UnsafePointer<S>, rstdDot: UnsafePointer<S>,
        N: Int, C: Int
    ) {
        for n in 0..<N {
            let x = inp + n * C, d = dout + n * C, dd = doutDot + n * C, hd = xhatDot + n * C
            let (mu, r, rd) = (mean[n], rstd[n], rstdDot[n])
            if let dinpDot {
                let dx = dinpDot + n * C
                var gMean: S = 0, gxMean: S = 0, gDotMean: S = 0, gxDotMean: S = 0
                for i in 0..<C {
                    let xhat = (x[i] - mu) * r
                    let g = d[i] * w[i], gDot = dd[i] * w[i] + (wDot.map { d[i] * $0[i] } ?? 0)
                    gMean += g; gxMean += g * xhat
                    gDotMean += gDot; gxDotMean += gDot * xhat + g * hd[i]
                }
                let c = S(C)
                (gMean, gxMean, gDotMean, gxDotMean) = (gMean / c, gxMean / c, gDotMean / c, gxDotMean / c)
                for i in 0..<C {
                    let xhat = (x[i] - mu) * r
                    let g = d[i] * w[i], gDot = dd[i] * w[i] + (wDot.map { d[i] * $0[i] } ?? 0)
                    dx[i] += rd * (g - gMean - xhat * gxMean) + r * (gDot - gDotMean - hd[i] * gxMean - xhat * gxDotMean)
                }
            }
            if let dwDot, let dbDot {
                for i in 0..<C {
                    let xhat = (x[i] - mu) * r
                    dwDot[i] += dd[i] * xhat + d[i] * hd[i]
                    dbDot[i] += dd[i]
                }
            }
        }
    }

    // The tangent of `matmulBackward`: ḋinp += ḋout wᵀ + dout ẇᵀ; ḋw += ẋᵀ dout + xᵀ ḋout; ḋb += Σ ḋout.
    // An output nil is not formed (ḋinp below a restricted product's block, ḋw outside it); ẇ nil is zero.
    static func matmulBackwardTangent<S: GEMMScalar>(
        dinpDot: UnsafeMutablePointer<S>?, dwDot: UnsafeMutablePointer<S>?, dbiasDot: UnsafeMutablePointer<S>?,
        dout: UnsafePointer<S>, doutDot: UnsafePointer<S>, inp: UnsafePointer<S>, inpDot: UnsafePointer<S>,
        w: UnsafePointer<S>, wDot: UnsafePointer<S>?, N: Int, C: Int, OC: Int
    ) {
        if let dinpDot {
            S.gemm(transposeA: false, transposeB: true, m: N, n: C, k: OC, alpha: 1, doutDot, lda: OC, w, ldb: OC, beta: 1, dinpDot, ldc: C)
            if let wDot {
                S.gemm(transposeA: false, transposeB: true, m: N, n: C, k: OC, alpha: 1, dout, lda: OC, wDot, ldb: OC, beta: 1, dinpDot, ldc: C)
            }
        }
        if let dwDot {
            S.gemm(transposeA: true, transposeB: false, m: C, n: OC, k: N, alpha: 1, inp, lda: C, doutDot, ldb: OC, beta: 1, dwDot, ldc: OC)
            S.gemm(transposeA: true, transposeB: false, m: C, n: OC, k: N, alpha: 1, inpDot, lda: C, dout, ldb: OC, beta: 1, dwDot, ldc: OC)
        }
        if let dbiasDot {
            for n in 0..<N { for o in 0..<OC { dbiasDot[o] += doutDot[n * OC + o] } }
        }
    }

    // The tangent of `geluBackward`: ḋinp += gelu″(x) ẋ dout + gelu′(x) ḋout.
    static func geluBackwardTangent<S: GEMMScalar>(dinpDot: UnsafeMutablePointer<S>, dout: UnsafePointer<S>, doutDot: UnsafePointer<S>,
                                                   inp: UnsafePointer<S>, tanh th: UnsafePointer<S>, inpDot: UnsafePointer<S>, count: Int) {
        for i in 0..<count {
            let (f1, f2) = geluDerivatives(inp[i], tanh: th[i])
            dinpDot[i] += f2 * inpDot[i] * dout[i] + f1 * doutDot[i]
        }
    }

    // The tangent of `attentionBackward` (see there for the forward quantities; scratch is two (T,T)), per head:
    // ḋa = ḋout vᵀ + dout v̇ᵀ; ḋv += ȧᵀ dout + aᵀ ḋout; w_t = Σ a da, ẇ_t = Σ ȧ da + a ḋa;
    // dp = a (da − w) / √hs, ḋp = (ȧ (da − w) + a (ḋa − ẇ)) / √hs; ḋq += ḋp k + dp k̇; ḋk += ḋpᵀ q + dpᵀ q̇.
    // - Complexity: O(B NH T² hs), ten (T,T)-sized products per head.
    static func attentionBackwardTangent<S: GEMMScalar>(
        dqkvDot: UnsafeMutablePointer<S>, dout: UnsafePointer<S>, doutDot: UnsafePointer<S>,
        qkv: UnsafePointer<S>, qkvDot: UnsafePointer<S>, att: UnsafePointer<S>, attDot: UnsafePointer<S>,
        scratch: UnsafeMutablePointer<S>, B: Int, T: Int, C: Int, NH: Int
    ) {
        let hs = C / NH
        let scale = 1 / S(hs).squareRoot()
        let dp = scratch, dpDot = scratch + T * T  // da and ḋa, then dp and ḋp in place: (T,T) each
        for b in 0..<B {
            for h in 0..<NH {
                let q = qkv + b * T * 3 * C + h * hs, k = q + C, v = q + 2 * C
                let qd = qkvDot + b * T * 3 * C + h * hs, kd = qd + C, vd = qd + 2 * C
                let dqDot = dqkvDot + b * T * 3 * C + h * hs, dkDot = dqDot + C, dvDot = dqDot + 2 * C
                let a = att + (b * NH + h) * T * T, ad = attDot + (b * NH + h) * T * T
                let d = dout + b * T * C + h * hs, dd = doutDot + b * T * C + h * hs
                S.gemm(transposeA: false, transposeB: true, m: T, n: T, k: hs, alpha: 1, d, lda: C, v, ldb: 3 * C, beta: 0, dp, ldc: T)
                S.gemm(transposeA: false, transposeB: true, m: T, n: T, k: hs, alpha: 1, dd, lda: C, v, ldb: 3 * C, beta: 0, dpDot, ldc: T)
                S.gemm(transposeA: false, transposeB: true, m: T, n: T, k: hs, alpha: 1, d, lda: C, vd, ldb: 3 * C, beta: 1, dpDot, ldc: T)
                S.gemm(transposeA: true, transposeB: false, m: T, n: hs, k: T, alpha: 1, ad, lda: T, d, ldb: C, beta: 1, dvDot, ldc: 3 * C)
                S.gemm(transposeA: true, transposeB: false, m: T, n: hs, k: T, alpha: 1, a, lda: T, dd, ldb: C, beta: 1, dvDot, ldc: 3 * C)
                for t in 0..<T {
                    let (aRow, adRow, row, rowDot) = (a + t * T, ad + t * T, dp + t * T, dpDot + t * T)
                    let weighted = S.dot(aRow, row, count: t + 1)
                    let weightedDot = S.dot(adRow, row, count: t + 1) + S.dot(aRow, rowDot, count: t + 1)
                    for s in 0...t {
                        let (da, daDot) = (row[s], rowDot[s])
                        row[s] = aRow[s] * (da - weighted) * scale
                        rowDot[s] = (adRow[s] * (da - weighted) + aRow[s] * (daDot - weightedDot)) * scale
                    }
                    for s in (t + 1)..<T { row[s] = 0; rowDot[s] = 0 }
                }
                S.gemm(transposeA: false, transposeB: false, m: T, n: hs, k: T, alpha: 1, dpDot, lda: T, k, ldb: 3 * C, beta: 1, dqDot, ldc: 3 * C)
                S.gemm(transposeA: false, transposeB: false, m: T, n: hs, k: T, alpha: 1, dp, lda: T, kd, ldb: 3 * C, beta: 1, dqDot, ldc: 3 * C)
                S.gemm(transposeA: true, transposeB: false, m: T, n: hs, k: T, alpha: 1, dpDot, lda: T, q, ldb: 3 * C, beta: 1, dkDot, ldc: 3 * C)
                S.gemm(transposeA: true, transposeB: false, m: T, n: hs, k: T, alpha: 1, dp, lda: T, qd, ldb: 3 * C, beta: 1, dkDot, ldc: 3 * C)
            }
        }
    }
}
