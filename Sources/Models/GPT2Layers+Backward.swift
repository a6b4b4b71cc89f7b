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

    // dqkv is (B,T,3C); dout is (B,T,C); qkv, att are the forward's.
    // out_t = Σ_s a_ts v_s, a = softmax(p), p_ts = q_t·k_s / √hs:
    // da_ts = dout_t·v_s, dv_s += a_ts dout_t, dp_ts = a_ts (da_ts − Σ_u a_tu da_tu),
    // dq_t += Σ_s dp_ts k_s / √hs, dk_s += dp_ts q_t / √hs.
    static func attentionBackward<S: GEMMScalar>(dqkv: UnsafeMutablePointer<S>, dout: UnsafePointer<S>,
                                                 qkv: UnsafePointer<S>, att: UnsafePointer<S>, B: Int, T: Int, C: Int, NH: Int) {
        let hs = C / NH
        let scale = 1 / S(hs).squareRoot()
        var da = [S](repeating: 0, count: T)
        for b in 0..<B {
            for t in 0..<T {
                for h in 0..<NH {
                    let a = att + ((b * NH + h) * T + t) * T
                    let d = dout + (b * T + t) * C + h * hs
                    var weighted: S = 0
                    for s in 0...t {
                        let v = qkv + (b * T + s) * 3 * C + 2 * C + h * hs
                        let dv = dqkv + (b * T + s) * 3 * C + 2 * C + h * hs
                        var dot: S = 0
                        for i in 0..<hs { dot += d[i] * v[i]; dv[i] += a[s] * d[i] }
                        da[s] = dot
                        weighted += a[s] * dot
                    }
                    let q = qkv + (b * T + t) * 3 * C + h * hs
                    let dq = dqkv + (b * T + t) * 3 * C + h * hs
                    for s in 0...t {
                        let dp = a[s] * (da[s] - weighted) * scale
                        let k = qkv + (b * T + s) * 3 * C + C + h * hs
                        let dk = dqkv + (b * T + s) * 3 * C + C + h * hs
                        for i in 0..<hs { dq[i] += dp * k[i]; dk[i] += dp * q[i] }
                    }
                }
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
