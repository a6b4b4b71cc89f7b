import LinearAlgebra

/// Backward passes of `GPT2Layers`: each accumulates into gradient buffers zeroed by the caller
/// (`d` prefix: ∂loss/∂ of that buffer), reading the forward pass's caches.
extension GPT2Layers {
    // dwte is (V,C), dwpe is (maxT,C); dout is (B,T,C).
    static func encoderBackward<S: GEMMScalar>(dwte: UnsafeMutablePointer<S>, dwpe: UnsafeMutablePointer<S>,
                                               dout: UnsafePointer<S>, tokens: [Int32], B: Int, T: Int, C: Int) {
        for b in 0..<B {
            for t in 0..<T {
                let d = dout + (b * T + t) * C
                let te = dwte + Int(tokens[b * T + t]) * C, pe = dwpe + t * C
                for i in 0..<C { te[i] += d[i]; pe[i] += d[i] }
            }
        }
    }

    // dinp, dout, inp are (N,C); dw, db, w are (C), dw and db nil when only dinp is wanted; mean, rstd
    // are the forward caches (N). With x̂ = (x − μ) r and g = dout ⊙ w: dx = r (g − mean(g) − x̂ mean(g ⊙ x̂)).
    static func layerNormBackward<S: GEMMScalar>(dinp: UnsafeMutablePointer<S>, dw: UnsafeMutablePointer<S>?, db: UnsafeMutablePointer<S>?,
                                                 dout: UnsafePointer<S>, inp: UnsafePointer<S>, w: UnsafePointer<S>,
                                                 mean: UnsafePointer<S>, rstd: UnsafePointer<S>, N: Int, C: Int) {
        for n in 0..<N {
            let x = inp + n * C, d = dout + n * C, dx = dinp + n * C
            let (m, r) = (mean[n], rstd[n])
            var gMean: S = 0, gxMean: S = 0
            for i in 0..<C {
                let xhat = (x[i] - m) * r
                let g = d[i] * w[i]
                gMean += g
                gxMean += g * xhat
            }
            gMean /= S(C)
            gxMean /= S(C)
            for i in 0..<C {
                let xhat = (x[i] - m) * r
                dx[i] += r * (d[i] * w[i] - gMean - xhat * gxMean)
            }
            if let dw, let db {
                for i in 0..<C { db[i] += d[i]; dw[i] += d[i] * (x[i] - m) * r }
            }
        }
    }

    // dinp is (N,C), dw is (C,OC) or nil, dbias is (OC) or nil; dout is (N,OC); inp is (N,C); w is (C,OC).
    // dinp += dout · wᵀ; dw += inpᵀ · dout; dbias += Σₙ dout.
    static func matmulBackward<S: GEMMScalar>(dinp: UnsafeMutablePointer<S>, dw: UnsafeMutablePointer<S>?, dbias: UnsafeMutablePointer<S>?,
                                              dout: UnsafePointer<S>, inp: UnsafePointer<S>, w: UnsafePointer<S>, N: Int, C: Int, OC: Int) {
        S.gemm(transposeA: false, transposeB: true, m: N, n: C, k: OC, alpha: 1, dout, lda: OC, w, ldb: OC, beta: 1, dinp, ldc: C)
        if let dw {
            S.gemm(transposeA: true, transposeB: false, m: C, n: OC, k: N, alpha: 1, inp, lda: C, dout, ldb: OC, beta: 1, dw, ldc: OC)
        }
        if let dbias {
            for n in 0..<N { for o in 0..<OC { dbias[o] += dout[n * OC + o] } }
        }
    }

    // dinp, dout, inp, th are (count), th = tanh u from the forward pass.
    // gelu_new′(x) = ½(1 + tanh u) + ½ x sech²u · k(1 + 3c x²), u = k(x + c x³).
    static func geluBackward<S: GEMMScalar>(dinp: UnsafeMutablePointer<S>, dout: UnsafePointer<S>, inp: UnsafePointer<S>,
                                            tanh th: UnsafePointer<S>, count: Int) {
        for i in 0..<count { dinp[i] += geluDerivatives(inp[i], tanh: th[i]).first * dout[i] }
    }

    // dqkv is (B,T,3C); dout is (B,T,C); qkv, att are the forward's; scratch is (T,T).
    // out_t = Σ_s a_ts v_s, a = softmax(p), p_ts = q_t·k_s / √hs; per head, with da = dout vᵀ:
    // dv += aᵀ dout, dp_ts = a_ts (da_ts − Σ_u a_tu da_tu) / √hs, dq += dp k, dk += dpᵀ q.
    // - Complexity: O(B NH T² hs), four (T,T)-sized products per head.
    static func attentionBackward<S: GEMMScalar>(dqkv: UnsafeMutablePointer<S>, dout: UnsafePointer<S>,
                                                 qkv: UnsafePointer<S>, att: UnsafePointer<S>, scratch: UnsafeMutablePointer<S>,
                                                 B: Int, T: Int, C: Int, NH: Int) {
        let hs = C / NH
        let scale = 1 / S(hs).squareRoot()
        let dp = scratch  // da, then dp in place: (T,T)
        for b in 0..<B {
            for h in 0..<NH {
                let q = qkv + b * T * 3 * C + h * hs, k = q + C, v = q + 2 * C
                let dq = dqkv + b * T * 3 * C + h * hs, dk = dq + C, dv = dq + 2 * C
                let a = att + (b * NH + h) * T * T, d = dout + b * T * C + h * hs
                S.gemm(transposeA: false, transposeB: true, m: T, n: T, k: hs, alpha: 1, d, lda: C, v, ldb: 3 * C, beta: 0, dp, ldc: T)
                S.gemm(transposeA: true, transposeB: false, m: T, n: hs, k: T, alpha: 1, a, lda: T, d, ldb: C, beta: 1, dv, ldc: 3 * C)
                for t in 0..<T {
                    let (aRow, row) = (a + t * T, dp + t * T)
                    let weighted = S.dot(aRow, row, count: t + 1)
                    for s in 0...t { row[s] = aRow[s] * (row[s] - weighted) * scale }
                    for s in (t + 1)..<T { row[s] = 0 }
                }
                S.gemm(transposeA: false, transposeB: false, m: T, n: hs, k: T, alpha: 1, dp, lda: T, k, ldb: 3 * C, beta: 1, dq, ldc: 3 * C)
                S.gemm(transposeA: true, transposeB: false, m: T, n: hs, k: T, alpha: 1, dp, lda: T, q, ldb: 3 * C, beta: 1, dk, ldc: 3 * C)
            }
        }
    }

    // The (N,V) probabilities become dlogits in place: (softmax − onehot(target)) · dloss on rows with
    // a target, 0 otherwise.
    static func softmaxCrossEntropyBackward<S: GEMMScalar>(probsToDlogits d: UnsafeMutablePointer<S>,
                                                           targets: [Int32], dloss: S, N: Int, V: Int) {
        for n in 0..<N {
            let target = Int(targets[n])
            let row = d + n * V
            guard target >= 0 else { for i in 0..<V { row[i] = 0 }; continue }
            for i in 0..<V { row[i] *= dloss }
            row[target] -= dloss
        }
    }
}
