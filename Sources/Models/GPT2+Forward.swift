import LinearAlgebra

/// B token sequences of length T, row-major (B, T). The loss predicts token t+1 from positions ≤ t,
/// for t < T − 1 (Hugging Face's `labels=input_ids` convention).
public struct TokenBatch: Sendable, Equatable {
    public var tokens: [Int32]
    public var batch: Int
    public var length: Int

    public init(sequences: [[Int]]) {
        precondition(!sequences.isEmpty && sequences.allSatisfy { $0.count == sequences[0].count && $0.count >= 2 },
                     "a batch needs sequences of one length >= 2")
        tokens = sequences.flatMap { $0.map { Int32($0) } }
        batch = sequences.count
        length = sequences[0].count
    }

    /// targets[b, t] = tokens[b, t+1], or −1 at the last position.
    var targets: [Int32] {
        (0..<(batch * length)).map { i in i % length == length - 1 ? -1 : tokens[i + 1] }
    }

    /// The batch of one sequence.
    public func sequence(_ b: Int) -> TokenBatch {
        var one = self
        one.tokens = Array(tokens[(b * length)..<((b + 1) * length)])
        one.batch = 1
        return one
    }
}

/// A GPT-2 model whose arithmetic runs in `S` (Float64 for Hessian work, Float32 for throughput).
public struct GPT2<S: GEMMScalar>: Sendable {
    public let config: GPT2Config
    /// The parameters in `GPT2Parameters` layout, converted to S.
    public var weights: [S]
    let ranges: [String: Range<Int>]

    public init(_ parameters: GPT2Parameters) {
        config = parameters.config
        weights = parameters.values.map { S($0) }
        ranges = Dictionary(uniqueKeysWithValues: parameters.tensors.map { ($0.name, $0.range) })
    }

    func range(_ name: String) -> Range<Int> { ranges[name]! }
}

/// What the forward pass keeps for the backward and tangent passes (per layer l, shapes for N = B·T).
struct GPT2Activations<S: GEMMScalar> {
    var encoded: [S]                       // (N,C)
    var ln1, ln1Mean, ln1Rstd: [[S]]       // (N,C), (N), (N)
    var qkv: [[S]]                         // (N,3C)
    var att: [[S]]                         // (B,NH,T,T)
    var attY: [[S]]                        // (N,C)
    var residual2: [[S]]                   // (N,C)
    var ln2, ln2Mean, ln2Rstd: [[S]]
    var fch, fchTanh, fchGelu: [[S]]       // (N,4C); fchTanh = tanh u of GELU
    var residual3: [[S]]                   // (N,C): the layer's output
    var lnf, lnfMean, lnfRstd: [S]
    var probs: [S]                         // (N,V)
    var losses: [S]                        // (N)
}

/// The loss of a forward pass.
public struct GPT2Loss<S: GEMMScalar>: Sendable {
    /// Mean next-token cross-entropy over the B (T − 1) predictions.
    public var mean: S
    /// The same per sequence (over its T − 1 predictions).
    public var perSequence: [S]
}

extension GPT2 {
    /// The loss on a batch.
    /// - Complexity: O(L (N C² + B NH T² hs) + N C V) for N = B·T.
    @_specialize(where S == Double)
    @_specialize(where S == Float)
    public func loss(_ batch: TokenBatch) -> GPT2Loss<S> {
        let (loss, _) = forward(batch, keepProbabilities: false)
        return loss
    }

    /// Vocabulary columns of the logits handled at a time when the probabilities need not be kept:
    /// an (N, 2048) buffer is reused across the blocks (8 MB at N = 512 in Float64), where the whole
    /// (N, V) logits would be 200 MB of freshly mapped pages; each block packs only its own rows of wte.
    static var headColumns: Int { 2048 }

    /// The forward pass with its caches. Without `keepProbabilities` (the loss alone) the output head
    /// runs over column blocks of the vocabulary with a running log-sum-exp instead of materialising
    /// the (N, V) softmax.
    @_specialize(where S == Double)
    @_specialize(where S == Float)
    func forward(_ batch: TokenBatch, keepProbabilities: Bool = true) -> (GPT2Loss<S>, GPT2Activations<S>) {
        let (B, T, C, NH, V, L) = (batch.batch, batch.length, config.channels, config.heads, config.vocabulary, config.layers)
        precondition(T <= config.maxPositions, "sequence length \(T) exceeds n_positions \(config.maxPositions)")
        let N = B * T
        let eps = S(config.layerNormEpsilon)
        func zeros(_ n: Int) -> [S] { [S](repeating: 0, count: n) }
        var a = GPT2Activations<S>(
            encoded: zeros(N * C), ln1: [], ln1Mean: [], ln1Rstd: [], qkv: [], att: [], attY: [], residual2: [],
            ln2: [], ln2Mean: [], ln2Rstd: [], fch: [], fchTanh: [], fchGelu: [], residual3: [],
            lnf: zeros(N * C), lnfMean: zeros(N), lnfRstd: zeros(N), probs: keepProbabilities ? zeros(N * V) : [], losses: zeros(N))

        weights.withUnsafeBufferPointer { wbuf in
            let w = wbuf.baseAddress!
            func p(_ name: String) -> UnsafePointer<S> { w + range(name).lowerBound }
            a.encoded.withUnsafeMutableBufferPointer {
                GPT2Layers.encoderForward($0.baseAddress!, tokens: batch.tokens, wte: p("wte.weight"), wpe: p("wpe.weight"), B: B, T: T, C: C)
            }
            var x = a.encoded
            for l in 0..<L {
                let h = "h.\(l)"
                var ln1 = zeros(N * C), m1 = zeros(N), r1 = zeros(N)
                GPT2Layers.layerNormForward(&ln1, mean: &m1, rstd: &r1, x, w: p("\(h).ln_1.weight"), b: p("\(h).ln_1.bias"), N: N, C: C, eps: eps)
                var qkv = zeros(N * 3 * C)
                GPT2Layers.matmulForward(&qkv, ln1, w: p("\(h).attn.c_attn.weight"), bias: p("\(h).attn.c_attn.bias"), N: N, C: C, OC: 3 * C)
                var att = zeros(B * NH * T * T), attY = zeros(N * C)
                GPT2Layers.attentionForward(&attY, att: &att, qkv, B: B, T: T, C: C, NH: NH)
                var attProj = zeros(N * C)
                GPT2Layers.matmulForward(&attProj, attY, w: p("\(h).attn.c_proj.weight"), bias: p("\(h).attn.c_proj.bias"), N: N, C: C, OC: C)
                var residual2 = zeros(N * C)
                GPT2Layers.residualForward(&residual2, x, attProj, count: N * C)
                var ln2 = zeros(N * C), m2 = zeros(N), r2 = zeros(N)
                GPT2Layers.layerNormForward(&ln2, mean: &m2, rstd: &r2, residual2, w: p("\(h).ln_2.weight"), b: p("\(h).ln_2.bias"), N: N, C: C, eps: eps)
                var fch = zeros(N * 4 * C), tanh = zeros(N * 4 * C), gelu = zeros(N * 4 * C)
                GPT2Layers.matmulForward(&fch, ln2, w: p("\(h).mlp.c_fc.weight"), bias: p("\(h).mlp.c_fc.bias"), N: N, C: C, OC: 4 * C)
                GPT2Layers.geluForward(&gelu, tanh: &tanh, fch, count: N * 4 * C)
                var fcProj = zeros(N * C)
                GPT2Layers.matmulForward(&fcProj, gelu, w: p("\(h).mlp.c_proj.weight"), bias: p("\(h).mlp.c_proj.bias"), N: N, C: 4 * C, OC: C)
                var residual3 = zeros(N * C)
                GPT2Layers.residualForward(&residual3, residual2, fcProj, count: N * C)
                a.ln1.append(ln1); a.ln1Mean.append(m1); a.ln1Rstd.append(r1); a.qkv.append(qkv); a.att.append(att)
                a.attY.append(attY); a.residual2.append(residual2); a.ln2.append(ln2); a.ln2Mean.append(m2); a.ln2Rstd.append(r2)
                a.fch.append(fch); a.fchTanh.append(tanh); a.fchGelu.append(gelu); a.residual3.append(residual3)
                x = residual3
            }
            GPT2Layers.layerNormForward(&a.lnf, mean: &a.lnfMean, rstd: &a.lnfRstd, x, w: p("ln_f.weight"), b: p("ln_f.bias"), N: N, C: C, eps: eps)
            // logits = lnf · wteᵀ: (N,C)·(C,V), the tied output projection.
            let targets = batch.targets
            if keepProbabilities {
                // All of it, turned into probabilities in place for the backward pass.
                S.gemm(transposeA: false, transposeB: true, m: N, n: V, k: C, alpha: 1, a.lnf, lda: C, p("wte.weight"), ldb: C,
                       beta: 0, &a.probs, ldc: V)
                GPT2Layers.softmaxCrossEntropyForward(logitsToProbs: &a.probs, losses: &a.losses, targets: targets, N: N, V: V)
            } else {
                // Column blocks folded into a running log-sum-exp per row.
                let width = Swift.min(V, Self.headColumns)
                var block = zeros(N * width), maxima = [S](repeating: -.infinity, count: N), sums = zeros(N), targetLogits = zeros(N)
                for first in stride(from: 0, to: V, by: width) {
                    let count = Swift.min(width, V - first)
                    S.gemm(transposeA: false, transposeB: true, m: N, n: count, k: C, alpha: 1, a.lnf, lda: C, p("wte.weight") + first * C,
                           ldb: C, beta: 0, &block, ldc: count)
                    GPT2Layers.logSumExpAccumulate(maxima: &maxima, sums: &sums, targetLogits: &targetLogits, logits: &block, ld: count,
                                                   first: first, width: count, targets: targets, N: N)
                }
                for n in 0..<N where targets[n] >= 0 { a.losses[n] = maxima[n] + S.log(sums[n]) - targetLogits[n] }
            }
        }
        let predictions = T - 1
        let perSequence = (0..<B).map { b in (0..<predictions).reduce(S(0)) { $0 + a.losses[b * T + $1] } / S(predictions) }
        let mean = perSequence.reduce(0, +) / S(B)
        return (GPT2Loss(mean: mean, perSequence: perSequence), a)
    }
}
