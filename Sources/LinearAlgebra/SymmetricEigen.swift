import _CLAPACKE

/// Eigen-decompositions from LAPACK.
public enum SymmetricEigen {
    /// All eigenvalues (ascending) and, if asked, eigenvectors of a dense symmetric matrix
    /// (LAPACKE `dsyevr`, the MRRR algorithm). Eigenvectors are the columns of a row-major (n, n).
    /// Returns nil if LAPACK reports failure.
    /// - Parameter a: row-major (n, n); only its upper triangle is read.
    /// - Complexity: O(n³).
    public static func dense(_ a: [Double], n: Int, vectors: Bool = false) -> (values: [Double], vectors: [Double]?)? {
        precondition(a.count == n * n)
        var work = a
        var values = [Double](repeating: 0, count: n)
        var z = [Double](repeating: 0, count: vectors ? n * n : 1)
        var support = [Int32](repeating: 0, count: 2 * n)
        var found: Int32 = 0
        let info = LAPACKE_dsyevr(LAPACK_ROW_MAJOR, Int8(UInt8(ascii: vectors ? "V" : "N")), Int8(UInt8(ascii: "A")),
                                  Int8(UInt8(ascii: "U")), Int32(n), &work, Int32(n), 0, 0, 0, 0, 0,
                                  &found, &values, &z, Int32(vectors ? n : 1), &support)
        guard info == 0, found == n else { return nil }
        return (values, vectors ? z : nil)
    }

    /// Eigenvalues (ascending) and eigenvectors of the symmetric tridiagonal matrix with diagonal
    /// `d` and off-diagonal `e` (LAPACKE `dstev`, implicit QL/QR). Eigenvector j is column j of the
    /// row-major (n, n) `vectors`. Returns nil if LAPACK reports failure.
    /// - Complexity: O(n²) for values, O(n³) with vectors (n is small: a Lanczos tridiagonal).
    public static func tridiagonal(diagonal d: [Double], offDiagonal e: [Double]) -> (values: [Double], vectors: [Double])? {
        let n = d.count
        precondition(e.count == max(n - 1, 0))
        guard n > 0 else { return ([], []) }
        var values = d, off = e + [0]
        var z = [Double](repeating: 0, count: n * n)
        let info = LAPACKE_dstev(LAPACK_ROW_MAJOR, Int8(UInt8(ascii: "V")), Int32(n), &values, &off, &z, Int32(n))
        guard info == 0 else { return nil }
        return (values, z)
    }

    /// Eigenvalues (ascending) of the symmetric tridiagonal matrix with diagonal `d` and off-diagonal
    /// `e` (LAPACKE `dstev` without vectors). Returns nil if LAPACK reports failure.
    /// - Complexity: O(n²).
    public static func tridiagonalValues(diagonal d: [Double], offDiagonal e: [Double]) -> [Double]? {
        let n = d.count
        precondition(e.count == max(n - 1, 0))
        guard n > 0 else { return [] }
        var values = d, off = e + [0], z = [0.0]
        // No vectors, so no matrix: column-major lets the unused z have leading dimension 1.
        let info = LAPACKE_dstev(LAPACK_COL_MAJOR, Int8(UInt8(ascii: "N")), Int32(n), &values, &off, &z, 1)
        guard info == 0 else { return nil }
        return values
    }

    /// Eigenvalues (ascending) of the symmetric tridiagonal matrix with diagonal `d` and off-diagonal
    /// `e`, with the squared first component of each unit eigenvector: the nodes and weights of the
    /// Gauss rule the matrix defines (Golub & Welsch 1969), by LAPACKE `dstemr` (MRRR), whose eigenvectors
    /// are orthonormal to working precision, so the weights sum to 1 to round-off. Returns nil if LAPACK
    /// reports failure.
    /// - Complexity: O(n²).
    public static func gaussRule(diagonal d: [Double], offDiagonal e: [Double]) -> (nodes: [Double], weights: [Double])? {
        let n = d.count
        precondition(e.count == max(n - 1, 0))
        guard n > 0 else { return ([], []) }
        var diagonal = d, off = e + [0]
        var values = [Double](repeating: 0, count: n), z = [Double](repeating: 0, count: n * n)
        var found: Int32 = 0, tryRelativeAccuracy: Int32 = 1
        var support = [Int32](repeating: 0, count: 2 * n)
        // Column-major: eigenvector j is column j, its first component z[j n].
        let info = LAPACKE_dstemr(LAPACK_COL_MAJOR, Int8(UInt8(ascii: "V")), Int8(UInt8(ascii: "A")), Int32(n), &diagonal, &off,
                                  0, 0, 0, 0, &found, &values, &z, Int32(n), Int32(n), &support, &tryRelativeAccuracy)
        guard info == 0, found == n else { return nil }
        return (values, (0..<n).map { z[$0 * n] * z[$0 * n] })
    }
}
