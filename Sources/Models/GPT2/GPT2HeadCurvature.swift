import LinearAlgebra

/// The output layer's curvature, row by row: what the tangent passes do between l̇nf and ḋlnf when the
/// vocabulary's embeddings do not move (a product restricted to a transformer layer or ln_f).
///
/// With z_n = wte lnf_n (V), p_n = softmax z_n and the loss's dloss (1 over the predicted tokens), the
/// tangent backward pass gives ġ_n = dloss (diag p_n − p_n p_nᵀ) ż_n with ż_n = wte l̇nf_n, then
/// ḋlnf_n = wteᵀ ġ_n, that is
///
///     ḋlnf_n = M_n l̇nf_n,   M_n = dloss Σ_v p_nv (w_v − q_n)(w_v − q_n)ᵀ,   q_n = wteᵀ p_n,
///
/// the (C, C) covariance of the vocabulary's embeddings w_v under the row's softmax, times dloss, and 0
/// for a row without a target. Formed once per linearisation (one `syrk` of the centred, √p-weighted
/// (V, C) embeddings per row), it turns each product's two (N, V, C) matrix products and the (N, V)
/// softmax tangent into N (C, C) symmetric products: exact in exact arithmetic, a different rounding.
/// It repays itself after about (C + 1) / 4 products (`pays`).
/// - Complexity: forming, N V C (C + 1) flops; each use, 2 N C²; memory N C² numbers.
struct GPT2HeadCurvature<S: GEMMScalar> {
    private let storage = TensorStorage<S>()
    /// M_n for each row n, (N, C, C), upper triangles written.
    private let matrices: UnsafeMutablePointer<S>
    private let rows: Int, channels: Int
    /// Whether row n has a target (M_n ≠ 0 is formed only then).
    private let predicted: [Bool]

    /// From the forward caches and the kept dlogits g = dloss (p − e_y) of a linearisation
    /// (p_n = g_n / dloss + e_y on a row with a target).
    @_specialize(where S == Double)
    @_specialize(where S == Float)
    init(wte: UnsafePointer<S>, dlogits g: UnsafePointer<S>, targets: [Int32], dloss: S, N: Int, C: Int, V: Int) {
        (rows, channels) = (N, C)
        predicted = targets.map { $0 >= 0 }
        matrices = storage.take(N * C * C)
        // The centred rows go through a chunk of about 2 MB (in cache for the syrk that reads them; the heap's,
        // not the page cache's, so that it never displaces a kept buffer). Measured: as fast as one (V, C) pass.
        let chunk = Swift.max(1, Swift.min(V, (2 << 20) / (C * MemoryLayout<S>.stride)))
        let scratch = TensorStorage<S>()
        let centred = scratch.take(chunk * C), p = scratch.take(V), q = scratch.take(C)
        for n in 0..<N where predicted[n] {
            let y = Int(targets[n])
            for v in 0..<V { p[v] = g[n * V + v] / dloss }
            p[y] += 1
            // q = wteᵀ p; then, chunk by chunk, rows √p_v (w_v − q) and M_n += dloss Σ_v (their outer products).
            S.gemm(transposeA: true, transposeB: false, m: C, n: 1, k: V, alpha: 1, wte, lda: C, p, ldb: 1, beta: 0, q, ldc: 1)
            for first in stride(from: 0, to: V, by: chunk) {
                let rows = Swift.min(chunk, V - first)
                for v in 0..<rows {
                    let (w, r, root) = (wte + (first + v) * C, centred + v * C, Swift.max(p[first + v], 0).squareRoot())
                    for c in 0..<C { r[c] = root * (w[c] - q[c]) }
                }
                S.syrkTransposed(n: C, k: rows, alpha: dloss, centred, lda: C, beta: first == 0 ? 0 : 1, matrices + n * C * C, ldc: C)
            }
        }
    }

    /// ḋlnf = M l̇nf row by row, both (N, C).
    /// - Complexity: 2 N C².
    func apply(_ lnfDot: UnsafePointer<S>, into dlnfDot: UnsafeMutablePointer<S>) {
        for n in 0..<rows {
            let (x, y) = (lnfDot + n * channels, dlnfDot + n * channels)
            if predicted[n] {
                S.symv(n: channels, alpha: 1, matrices + n * channels * channels, lda: channels, x, beta: 0, y)
            } else {
                y.update(repeating: 0, count: channels)
            }
        }
    }

    /// The memory it holds.
    var bytes: Int { Self.memoryBytes(rows: rows, channels: channels) }

    /// Its memory, N C² numbers.
    static func memoryBytes(rows N: Int, channels C: Int) -> Int { N * C * C * MemoryLayout<S>.stride }

    /// Whether forming it for a linearisation of N rows repays itself over `products` block-restricted
    /// products on the transformer's blocks and ln_f: each saves 4 N V C flops (the two (N, V, C) products)
    /// against its N V C (C + 1), so more than (C + 1) / 4 products; and it holds no more memory than the
    /// linearisation itself (`linearisationBytes`), so that it never dominates what a lane holds.
    static func pays(products: Int, rows N: Int, channels C: Int, linearisationBytes: Int) -> Bool {
        4 * products > C + 1 && memoryBytes(rows: N, channels: C) <= linearisationBytes
    }
}
