import Foundation
import TestSupport
@testable import Models
import Testing

/// Each of GPT-2's layers as a forward / backward / tangent trio, checked on its own before the model
/// uses it: the tangent against central differences of the forward, the backward as the tangent's
/// adjoint (⟨ȳ, J ẋ⟩ = ⟨Jᵀ ȳ, ẋ⟩), and the backward's tangent against central differences of the backward.
struct GPT2LayerTests {
    /// A layer as a map of one flat input vector (its inputs and parameters, concatenated), with its
    /// derivatives; each closure runs the forward pass it needs for its caches.
    struct Trio {
        var inputs: Int
        /// y(x).
        var forward: ([Double]) -> [Double]
        /// x̄ = J(x)ᵀ ȳ.
        var backward: (_ x: [Double], _ dout: [Double]) -> [Double]
        /// ẏ = J(x) ẋ.
        var tangent: (_ x: [Double], _ xDot: [Double]) -> [Double]
        /// d/dε x̄(x + ε ẋ, ȳ + ε ȳ̇).
        var backwardTangent: (_ x: [Double], _ xDot: [Double], _ dout: [Double], _ doutDot: [Double]) -> [Double]
    }

    /// Central differences at h = 1e-6 on O(1) values: truncation ~1e-12, round-off ~1e-10; compared
    /// to 1e-7 of the derivative's scale. The adjoint identity holds to round-off, 1e-12 relative.
    func check(_ trio: Trio, seed: UInt64, _ name: String) {
        let x = SmallModels.normals(trio.inputs, seed: seed), xDot = SmallModels.normals(trio.inputs, seed: seed + 1)
        let y = trio.forward(x)
        let dout = SmallModels.normals(y.count, seed: seed + 2), doutDot = SmallModels.normals(y.count, seed: seed + 3)
        let h = 1e-6
        func shifted(_ v: [Double], _ d: [Double], _ s: Double) -> [Double] { zip(v, d).map { $0 + s * $1 } }
        func close(_ got: [Double], _ want: [Double], _ what: String) {
            let scale = max(want.map(abs).max() ?? 0, 1e-300)
            let worst = zip(got, want).map { abs($0 - $1) }.max() ?? 0
            #expect(got.count == want.count && worst <= 1e-7 * scale, "\(name) \(what): off by \(worst) of \(scale)")
        }
        let tangent = trio.tangent(x, xDot)
        close(tangent, zip(trio.forward(shifted(x, xDot, h)), trio.forward(shifted(x, xDot, -h))).map { ($0 - $1) / (2 * h) },
              "tangent vs central differences of the forward")
        let backward = trio.backward(x, dout)
        let (left, right) = (SmallModels.dot(dout, tangent), SmallModels.dot(backward, xDot))
        #expect(abs(left - right) <= 1e-12 * max(abs(left), abs(right), 1), "\(name): ⟨ȳ, J ẋ⟩ = \(left) but ⟨Jᵀ ȳ, ẋ⟩ = \(right)")
        close(trio.backwardTangent(x, xDot, dout, doutDot),
              zip(trio.backward(shifted(x, xDot, h), shifted(dout, doutDot, h)),
                  trio.backward(shifted(x, xDot, -h), shifted(dout, doutDot, -h))).map { ($0 - $1) / (2 * h) },
              "backward tangent vs central differences of the backward")
    }

    /// Splits a flat vector into consecutive parts of the given sizes.
    func split(_ v: [Double], _ sizes: [Int]) -> [[Double]] {
        var offset = 0
        return sizes.map { n in defer { offset += n }; return Array(v[offset..<(offset + n)]) }
    }

    static let (B, T, C, NH) = (2, 5, 6, 2)
    static let (N, V) = (B * T, 7)

    @Test func layerNormTrio() {
        let (N, C) = (Self.N, Self.C)
        let sizes = [N * C, C, C]
        func forward(_ x: [Double]) -> (out: [Double], mean: [Double], rstd: [Double]) {
            let p = split(x, sizes)
            var (out, mean, rstd) = ([Double](repeating: 0, count: N * C), [Double](repeating: 0, count: N), [Double](repeating: 0, count: N))
            GPT2Layers.layerNormForward(&out, mean: &mean, rstd: &rstd, p[0], w: p[1], b: p[2], N: N, C: C, eps: 1e-5)
            return (out, mean, rstd)
        }
        func tangent(_ x: [Double], _ xDot: [Double]) -> (out: [Double], xhat: [Double], rstd: [Double]) {
            let (p, d, f) = (split(x, sizes), split(xDot, sizes), forward(x))
            var (out, xhat, rstd) = ([Double](repeating: 0, count: N * C), [Double](repeating: 0, count: N * C), [Double](repeating: 0, count: N))
            GPT2Layers.layerNormTangent(&out, xhatDot: &xhat, rstdDot: &rstd, inp: p[0], inpDot: d[0], mean: f.mean, rstd: f.rstd,
                                        w: p[1], wDot: d[1], bDot: d[2], N: N, C: C)
            return (out, xhat, rstd)
        }
        let trio = Trio(
            inputs: sizes.reduce(0, +), forward: { forward($0).out },
            backward: { x, dout in
                let (p, f) = (split(x, sizes), forward(x))
                var (dinp, dw, db) = ([Double](repeating: 0, count: N * C), [Double](repeating: 0, count: C), [Double](repeating: 0, count: C))
                GPT2Layers.layerNormBackward(dinp: &dinp, dw: &dw, db: &db, dout: dout, inp: p[0], w: p[1], mean: f.mean, rstd: f.rstd, N: N, C: C)
                return dinp + dw + db
            },
            tangent: { tangent($0, $1).out },
            backwardTangent: { x, xDot, dout, doutDot in
                let (p, d, f, t) = (split(x, sizes), split(xDot, sizes), forward(x), tangent(x, xDot))
                var (dinp, dw, db) = ([Double](repeating: 0, count: N * C), [Double](repeating: 0, count: C), [Double](repeating: 0, count: C))
                GPT2Layers.layerNormBackwardTangent(dinpDot: &dinp, dwDot: &dw, dbDot: &db, dout: dout, doutDot: doutDot, inp: p[0],
                                                    xhatDot: t.xhat, w: p[1], wDot: d[1], mean: f.mean, rstd: f.rstd, rstdDot: t.rstd, N: N, C: C)
                return dinp + dw + db
            })
        check(trio, seed: 10, "layer norm")
    }

    @Test func matmulTrio() {
        let (N, C, OC) = (Self.N, Self.C, 3 * Self.C)
        let sizes = [N * C, C * OC, OC]
        func zeros(_ n: Int) -> [Double] { [Double](repeating: 0, count: n) }
        let trio = Trio(
            inputs: sizes.reduce(0, +),
            forward: { x in
                let p = split(x, sizes)
                var out = zeros(N * OC)
                GPT2Layers.matmulForward(&out, p[0], w: p[1], bias: p[2], N: N, C: C, OC: OC)
                return out
            },
            backward: { x, dout in
                let p = split(x, sizes)
                var (dinp, dw, db) = (zeros(N * C), zeros(C * OC), zeros(OC))
                GPT2Layers.matmulBackward(dinp: &dinp, dw: &dw, dbias: &db, dout: dout, inp: p[0], w: p[1], N: N, C: C, OC: OC)
                return dinp + dw + db
            },
            tangent: { x, xDot in
                let (p, d) = (split(x, sizes), split(xDot, sizes))
                var out = zeros(N * OC)
                GPT2Layers.matmulTangent(&out, inp: p[0], inpDot: d[0], w: p[1], wDot: d[1], biasDot: d[2], N: N, C: C, OC: OC)
                return out
            },
            backwardTangent: { x, xDot, dout, doutDot in
                let (p, d) = (split(x, sizes), split(xDot, sizes))
                var (dinp, dw, db) = (zeros(N * C), zeros(C * OC), zeros(OC))
                GPT2Layers.matmulBackwardTangent(dinpDot: &dinp, dwDot: &dw, dbiasDot: &db, dout: dout, doutDot: doutDot, inp: p[0],
                                                 inpDot: d[0], w: p[1], wDot: d[1], N: N, C: C, OC: OC)
                return dinp + dw + db
            })
        check(trio, seed: 20, "matmul")
    }

    @Test func attentionTrio() {
        let (B, T, C, NH, N) = (Self.B, Self.T, Self.C, Self.NH, Self.N)
        func zeros(_ n: Int) -> [Double] { [Double](repeating: 0, count: n) }
        func forward(_ qkv: [Double]) -> (out: [Double], att: [Double]) {
            var (out, att) = (zeros(N * C), zeros(B * NH * T * T))
            GPT2Layers.attentionForward(&out, att: &att, qkv, B: B, T: T, C: C, NH: NH)
            return (out, att)
        }
        func tangent(_ qkv: [Double], _ qkvDot: [Double]) -> (out: [Double], att: [Double]) {
            var (out, att) = (zeros(N * C), zeros(B * NH * T * T))
            GPT2Layers.attentionTangent(&out, attDot: &att, qkv: qkv, qkvDot: qkvDot, att: forward(qkv).att, B: B, T: T, C: C, NH: NH)
            return (out, att)
        }
        let trio = Trio(
            inputs: N * 3 * C, forward: { forward($0).out },
            backward: { qkv, dout in
                var (dqkv, scratch) = (zeros(N * 3 * C), zeros(T * T))
                GPT2Layers.attentionBackward(dqkv: &dqkv, dout: dout, qkv: qkv, att: forward(qkv).att, scratch: &scratch, B: B, T: T, C: C, NH: NH)
                return dqkv
            },
            tangent: { tangent($0, $1).out },
            backwardTangent: { qkv, qkvDot, dout, doutDot in
                var (dqkv, scratch) = (zeros(N * 3 * C), zeros(2 * T * T))
                GPT2Layers.attentionBackwardTangent(dqkvDot: &dqkv, dout: dout, doutDot: doutDot, qkv: qkv, qkvDot: qkvDot,
                                                    att: forward(qkv).att, attDot: tangent(qkv, qkvDot).att, scratch: &scratch,
                                                    B: B, T: T, C: C, NH: NH)
                return dqkv
            })
        check(trio, seed: 30, "attention")
    }

    @Test func geluTrio() {
        let count = Self.N * 4
        func zeros(_ n: Int) -> [Double] { [Double](repeating: 0, count: n) }
        func tanh(_ x: [Double]) -> [Double] {
            var (out, th) = (zeros(count), zeros(count))
            GPT2Layers.geluForward(&out, tanh: &th, x, count: count)
            return th
        }
        let trio = Trio(
            inputs: count,
            forward: { x in
                var (out, th) = (zeros(count), zeros(count))
                GPT2Layers.geluForward(&out, tanh: &th, x, count: count)
                return out
            },
            backward: { x, dout in
                var dinp = zeros(count)
                GPT2Layers.geluBackward(dinp: &dinp, dout: dout, inp: x, tanh: tanh(x), count: count)
                return dinp
            },
            tangent: { x, xDot in
                var out = zeros(count)
                GPT2Layers.geluTangent(&out, inp: x, tanh: tanh(x), inpDot: xDot, count: count)
                return out
            },
            backwardTangent: { x, xDot, dout, doutDot in
                var dinp = zeros(count)
                GPT2Layers.geluBackwardTangent(dinpDot: &dinp, dout: dout, doutDot: doutDot, inp: x, tanh: tanh(x), inpDot: xDot, count: count)
                return dinp
            })
        check(trio, seed: 40, "gelu")
    }

    @Test func encoderTrio() {
        let (B, T, C, V) = (Self.B, Self.T, Self.C, Self.V)
        let tokens: [Int32] = (0..<(B * T)).map { Int32(($0 * 5 + 2) % V) }  // repeats, so rows of wte accumulate
        let sizes = [V * C, T * C]
        func zeros(_ n: Int) -> [Double] { [Double](repeating: 0, count: n) }
        func forward(_ x: [Double]) -> [Double] {
            let p = split(x, sizes)
            var out = zeros(B * T * C)
            GPT2Layers.encoderForward(&out, tokens: tokens, wte: p[0], wpe: p[1], B: B, T: T, C: C)
            return out
        }
        func backward(_ dout: [Double]) -> [Double] {
            var (dwte, dwpe) = (zeros(V * C), zeros(T * C))
            GPT2Layers.encoderBackward(dwte: &dwte, dwpe: &dwpe, dout: dout, tokens: tokens, B: B, T: T, C: C)
            return dwte + dwpe
        }
        // Linear in its weights: the backward does not depend on them, so its tangent is the backward of ȳ̇.
        let trio = Trio(
            inputs: sizes.reduce(0, +), forward: forward, backward: { backward($1) },
            tangent: { _, xDot in
                let d = split(xDot, sizes)
                var out = zeros(B * T * C)
                GPT2Layers.encoderTangent(&out, tokens: tokens, wteDot: d[0], wpeDot: d[1], B: B, T: T, C: C)
                return out
            },
            backwardTangent: { _, _, _, doutDot in backward(doutDot) })
        check(trio, seed: 50, "encoder")
    }

    // The loss head: logits (N,V) ↦ the mean of the rows' cross-entropies; its backward is the
    // gradient (softmax − onehot) · dloss, its backward tangent d/dε of that along ż. One row has no
    // target (loss 0, gradient 0), as the last position of each sequence.
    @Test func softmaxCrossEntropyTrio() {
        let (N, V) = (Self.N, Self.V)
        let targets: [Int32] = (0..<N).map { $0 == N - 1 ? -1 : Int32(($0 * 3 + 1) % V) }
        let dloss = 1 / Double(N - 1)
        func zeros(_ n: Int) -> [Double] { [Double](repeating: 0, count: n) }
        func dlogits(_ logits: [Double]) -> [Double] {
            var (p, losses) = (logits, zeros(N))
            GPT2Layers.softmaxCrossEntropyForward(logitsToProbs: &p, losses: &losses, targets: targets, N: N, V: V)
            GPT2Layers.softmaxCrossEntropyBackward(probsToDlogits: &p, targets: targets, dloss: dloss, N: N, V: V)
            return p
        }
        let trio = Trio(
            inputs: N * V,
            forward: { logits in
                var (p, losses) = (logits, zeros(N))
                GPT2Layers.softmaxCrossEntropyForward(logitsToProbs: &p, losses: &losses, targets: targets, N: N, V: V)
                return [losses.reduce(0, +) * dloss]
            },
            // The head's backward takes its scalar cotangent as dloss; ȳ scales it.
            backward: { logits, dout in dlogits(logits).map { $0 * dout[0] } },
            tangent: { logits, logitsDot in [SmallModels.dot(dlogits(logits), logitsDot)] },
            backwardTangent: { logits, logitsDot, dout, doutDot in
                var d = logitsDot
                let g = dlogits(logits)
                GPT2Layers.softmaxCrossEntropyBackwardTangent(logitsDotToDlogitsDot: &d, dlogits: g, targets: targets, dloss: dloss, N: N, V: V)
                return zip(d, g).map { $0 * dout[0] + $1 * doutDot[0] }
            })
        check(trio, seed: 60, "softmax cross-entropy")
    }
}
