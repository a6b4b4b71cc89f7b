/// The inverse of JᵀJ for a Jacobian of arrowhead structure: one shared parameter whose column `a`
/// spans all N rows, and M groups of k parameters each, group m's columns G_m (n_m, k) non-zero only
/// on its own n_m rows:
///
///     J = [ a | blockdiag(G_1, …, G_M) ],      JᵀJ = [ d    c_1ᵀ … c_Mᵀ ]
///                                                    [ c_1  A_1        ]
///                                                    [ ⋮        ⋱      ]
///                                                    [ c_M         A_M ]
///
/// with d = aᵀa, c_m = G_mᵀ a_m (a_m the rows of `a` in group m) and A_m = G_mᵀ G_m. By the Schur
/// complement s = d − Σ c_mᵀ A_m⁻¹ c_m of the shared parameter,
///
///     (JᵀJ)⁻¹ = [ 1/s         −u_mᵀ/s              ],   u_m = A_m⁻¹ c_m,
///               [ −u_m/s      A_m⁻¹ + u_m u_mᵀ / s ]   (and u_m u_nᵀ / s between groups m ≠ n),
///
/// so each group's (1 + k)-square block of the inverse costs O(n_m k² + k³), instead of the
/// O(N (Mk)²) of a dense factorisation.
///
/// Rank deficiency follows GSL's `gsl_multifit_nlinear_covar` (relative tolerance ε = 1e-12 on the
/// triangular factor, i.e. ε² on JᵀJ): a direction of A_m whose eigenvalue is below ε² times the
/// largest squared column norm of J gets no inverse (A_m⁻¹ is the pseudo-inverse from LAPACK `dsyevr`),
/// and so does the shared parameter when s falls below that level, its row and column then zero.
public struct ArrowheadNormalMatrix: Sendable {
    /// k, d = aᵀa, the c_m and the A_m (row-major (k, k)).
    let groupSize: Int
    let shared: Double
    let couplings: [[Double]]
    let blocks: [[Double]]

    /// - Parameters:
    ///   - sharedColumn: `a`, one entry per row (N).
    ///   - groupColumns: per group, G_m row-major (n_m, k); groups take consecutive rows of `a` in order.
    ///   - groupSize: k.
    /// - Complexity: O(N k²).
    public init(sharedColumn: [Double], groupColumns: [[Double]], groupSize k: Int) {
        precondition(groupColumns.reduce(0) { $0 + $1.count } == sharedColumn.count * k, "groups must cover the rows of the shared column")
        var couplings: [[Double]] = [], blocks: [[Double]] = []
        var row = 0
        for g in groupColumns {
            let rows = g.count / k
            var c = [Double](repeating: 0, count: k), a = [Double](repeating: 0, count: k * k)
            for r in 0..<rows {
                for i in 0..<k {
                    c[i] += g[r * k + i] * sharedColumn[row + r]
                    for j in 0..<k { a[i * k + j] += g[r * k + i] * g[r * k + j] }
                }
            }
            couplings.append(c)
            blocks.append(a)
            row += rows
        }
        (groupSize, shared) = (k, sharedColumn.reduce(0) { $0 + $1 * $1 })
        (self.couplings, self.blocks) = (couplings, blocks)
    }

    /// For every group m, the block of (JᵀJ)⁻¹ over (shared, group m's parameters), row-major
    /// (1 + k, 1 + k); nil if LAPACK fails on a block.
    /// - Complexity: O(M k³).
    public func inverseBlocks() -> [[Double]]? {
        let k = groupSize
        let largestColumn = max(shared, blocks.flatMap { b in (0..<k).map { b[$0 * k + $0] } }.max() ?? 0)
        let floor = 1e-24 * largestColumn
        var pseudoInverses: [[Double]] = [], u: [[Double]] = []
        var schur = shared
        for (a, c) in zip(blocks, couplings) {
            guard let (values, vectors) = SymmetricEigen.dense(a, n: k, vectors: true).map({ ($0.values, $0.vectors!) }) else { return nil }
            var inverse = [Double](repeating: 0, count: k * k)
            for (l, lambda) in values.enumerated() where lambda > floor {
                for i in 0..<k { for j in 0..<k { inverse[i * k + j] += vectors[i * k + l] * vectors[j * k + l] / lambda } }
            }
            let um = (0..<k).map { i in (0..<k).reduce(0) { $0 + inverse[i * k + $1] * c[$1] } }
            schur -= zip(c, um).reduce(0) { $0 + $1.0 * $1.1 }
            pseudoInverses.append(inverse)
            u.append(um)
        }
        let sharedDeficient = schur <= floor
        return zip(pseudoInverses, u).map { inverse, um in
            var block = [Double](repeating: 0, count: (1 + k) * (1 + k))
            for i in 0..<k { for j in 0..<k { block[(1 + i) * (1 + k) + 1 + j] = inverse[i * k + j] } }
            guard !sharedDeficient else { return block }
            block[0] = 1 / schur
            for i in 0..<k {
                block[1 + i] = -um[i] / schur
                block[(1 + i) * (1 + k)] = -um[i] / schur
                for j in 0..<k { block[(1 + i) * (1 + k) + 1 + j] += um[i] * um[j] / schur }
            }
            return block
        }
    }
}
