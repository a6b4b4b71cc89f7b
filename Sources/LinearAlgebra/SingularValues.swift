import _CLAPACKE

/// Singular values from LAPACK.
public enum SingularValues {
    /// The min(m, n) singular values of a dense row-major (m, n) matrix, descending (LAPACKE `dgesdd`
    /// without vectors: bidiagonalisation, then the divide-and-conquer bidiagonal SVD). Returns nil if
    /// LAPACK reports failure (it does not converge, or an entry is not finite).
    /// - Complexity: O(m n min(m, n)).
    /// - Parameter a: consumed as LAPACK's workspace (a caller's temporary is not copied).
    public static func of(_ a: consuming [Double], rows m: Int, columns n: Int) -> [Double]? {
        precondition(m >= 1 && n >= 1 && a.count == m * n)
        guard a.allSatisfy(\.isFinite) else { return nil }
        var s = [Double](repeating: 0, count: min(m, n))
        var u = [0.0], vt = [0.0]
        // Row-major A (m, n) is column-major Aᵀ (n, m), which has the same singular values; read that
        // way, no vectors need no leading dimensions beyond 1.
        let info = LAPACKE_dgesdd(LAPACK_COL_MAJOR, Int8(UInt8(ascii: "N")), Int32(n), Int32(m), &a, Int32(n),
                                  &s, &u, 1, &vt, 1)
        guard info == 0 else { return nil }
        return s
    }
}
