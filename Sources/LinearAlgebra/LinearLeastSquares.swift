import _CLAPACKE

/// Solves min_x ‖A x − b‖₂ for a full-column-rank A of shape (m, n), m ≥ n, by Householder QR
/// (LAPACKE `dgels`). Returns x (n) and the residual sum of squares, or nil when A is rank
/// deficient (dgels reports a zero diagonal element of R).
/// - Parameter a: row-major (m, n).
/// - Complexity: O(m n²).
public func solveLinearLeastSquares(_ a: [Double], rows m: Int, columns n: Int, _ b: [Double])
    -> (solution: [Double], sumOfSquares: Double)?
{
    precondition(a.count == m * n && b.count == m && m >= n)
    var a = a, b = b
    let info = LAPACKE_dgels(LAPACK_ROW_MAJOR, Int8(UInt8(ascii: "N")), Int32(m), Int32(n), 1,
                             &a, Int32(n), &b, 1)
    guard info == 0 else { return nil }
    // Rows n..<m of b now hold Qᵀb's part orthogonal to range(A): its norm² is the RSS.
    let rss = b[n...].reduce(0) { $0 + $1 * $1 }
    return (Array(b[..<n]), rss)
}
