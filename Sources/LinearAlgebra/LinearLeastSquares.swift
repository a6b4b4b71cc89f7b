import _CLAPACKE

/// Solves min_x ‖A x − b‖₂ for A of shape (m, n), m ≥ n, by QR with column pivoting (LAPACKE
/// `dgelsy`), which reveals the numerical rank. Returns x (n) and the residual sum of squares, or
/// nil when A's rank, at relative condition `rcond`, is below n (the solution is then not unique).
/// - Parameter a: row-major (m, n).
/// - Complexity: O(m n²).
public func solveLinearLeastSquares(_ a: [Double], rows m: Int, columns n: Int, _ b: [Double],
                                    rcond: Double = 1e-12) -> (solution: [Double], sumOfSquares: Double)? {
    precondition(a.count == m * n && b.count == m && m >= n)
    var work = a, x = b
    var pivots = [Int32](repeating: 0, count: n)
    var rank: Int32 = 0
    let info = LAPACKE_dgelsy(LAPACK_ROW_MAJOR, Int32(m), Int32(n), 1, &work, Int32(n), &x, 1,
                              &pivots, rcond, &rank)
    guard info == 0, rank == n else { return nil }
    let solution = Array(x[..<n])
    var rss = 0.0
    for i in 0..<m {
        var r = -b[i]
        for j in 0..<n { r += a[i * n + j] * solution[j] }
        rss += r * r
    }
    return (solution, rss)
}

/// An orthonormal basis of the column space of a full-rank (m, n) matrix, m ≥ n, by Householder
/// QR (LAPACKE `dgeqrf` then `dorgqr`): Q, row-major (m, n). Returns nil if LAPACK reports failure.
/// - Complexity: O(m n²).
public func orthonormalColumns(_ a: [Double], rows m: Int, columns n: Int) -> [Double]? {
    precondition(a.count == m * n && m >= n)
    var q = a
    var tau = [Double](repeating: 0, count: n)
    guard LAPACKE_dgeqrf(LAPACK_ROW_MAJOR, Int32(m), Int32(n), &q, Int32(n), &tau) == 0,
          LAPACKE_dorgqr(LAPACK_ROW_MAJOR, Int32(m), Int32(n), Int32(n), &q, Int32(n), &tau) == 0 else { return nil }
    return q
}
