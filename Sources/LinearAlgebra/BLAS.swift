import _CBLAS
import Foundation

/// The BLAS kernels the Hessian engine and the tangent kernel need, over unsafe buffers (OpenBLAS).
public enum BLAS {
    /// Runs OpenBLAS on one thread from now on. A threaded BLAS may split a product's sums in a way
    /// that depends on the thread count, so that a fine-tuned checkpoint differs in its last bits from
    /// machine to machine; with one thread the same inputs give the same bytes everywhere. (The machine
    /// the toolkit targets has the throughput of one core, so nothing is lost there.)
    public static func useOneThread() { openblas_set_num_threads(1) }

    /// The kernel set OpenBLAS runs ("Haswell", "SkylakeX", …).
    public static var coreName: String { openblas_get_corename().map { String(cString: $0) } ?? "unknown" }

    /// A faster kernel set than the one OpenBLAS runs, to name in `OPENBLAS_CORETYPE` (read when the
    /// library loads, so only the user can set it), or nil: its AVX-512 kernels ("SkylakeX") on a CPU
    /// whose flags (`/proc/cpuinfo`, where the kernel lists only what it has enabled) include the
    /// AVX-512 subsets those kernels use, when OpenBLAS runs an AVX2 set. OpenBLAS 0.3.21 (Debian 12)
    /// does not know that AMD's Zen 4 has AVX-512 and gives it "Haswell" or "Zen"; measured on one,
    /// dgemm of `lens bench hvp`'s shapes runs at 62 GFLOP/s with "SkylakeX" against 45 with "Haswell".
    /// The benchmarks name it; `lens` never switches kernels itself (an `OPENBLAS_CORETYPE` set on
    /// purpose, for bit-identical results across a fleet, stays in force).
    public static func fasterCore(current: String, cpuFlags: Set<String>) -> String? {
        let avx512: Set = ["avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl"]
        guard ["haswell", "zen"].contains(current.lowercased()), avx512.isSubset(of: cpuFlags) else { return nil }
        return "SkylakeX"
    }

    /// `fasterCore` for this machine: OpenBLAS's kernels and the flags in `/proc/cpuinfo` (nil where unreadable).
    public static var fasterCoreHere: String? {
        guard let handle = FileHandle(forReadingAtPath: "/proc/cpuinfo"), let data = try? handle.readToEnd(),
              let line = String(decoding: data, as: UTF8.self).split(separator: "\n").first(where: { $0.hasPrefix("flags") })
        else { return nil }
        return fasterCore(current: coreName, cpuFlags: Set(line.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)))
    }

    /// xᵀy. - Complexity: O(n).
    public static func dot(_ x: UnsafeBufferPointer<Double>, _ y: UnsafeBufferPointer<Double>) -> Double {
        precondition(x.count == y.count)
        return cblas_ddot(Int32(x.count), x.baseAddress, 1, y.baseAddress, 1)
    }

    /// ‖x‖₂ (scaled to avoid overflow). - Complexity: O(n).
    public static func norm(_ x: UnsafeBufferPointer<Double>) -> Double {
        cblas_dnrm2(Int32(x.count), x.baseAddress, 1)
    }

    /// y += a x. - Complexity: O(n).
    public static func axpy(_ a: Double, _ x: UnsafeBufferPointer<Double>, _ y: UnsafeMutableBufferPointer<Double>) {
        precondition(x.count == y.count)
        cblas_daxpy(Int32(x.count), a, x.baseAddress, 1, y.baseAddress, 1)
    }

    /// x *= a. - Complexity: O(n).
    public static func scale(_ a: Double, _ x: UnsafeMutableBufferPointer<Double>) {
        cblas_dscal(Int32(x.count), a, x.baseAddress, 1)
    }

    /// y = α A x + β y for row-major A of shape (m, n), or Aᵀ when `transpose`.
    /// - Complexity: O(m n).
    public static func gemv(transpose: Bool = false, rows m: Int, columns n: Int, alpha: Double,
                            _ a: UnsafeBufferPointer<Double>, _ x: UnsafeBufferPointer<Double>,
                            beta: Double, _ y: UnsafeMutableBufferPointer<Double>) {
        precondition(a.count >= m * n)
        cblas_dgemv(CblasRowMajor, transpose ? CblasTrans : CblasNoTrans, Int32(m), Int32(n), alpha,
                    a.baseAddress, Int32(n), x.baseAddress, 1, beta, y.baseAddress, 1)
    }

    /// y = α A x + β y for a symmetric row-major A of shape (n, n) with row stride `lda` (a submatrix
    /// of a larger one: its diagonal block), upper triangle read.
    /// - Complexity: O(n²).
    public static func symv(n: Int, alpha: Double, _ a: UnsafeBufferPointer<Double>, lda: Int, _ x: UnsafeBufferPointer<Double>,
                            beta: Double, _ y: UnsafeMutableBufferPointer<Double>) {
        precondition(lda >= n && (n == 0 || a.count >= (n - 1) * lda + n))
        cblas_dsymv(CblasRowMajor, CblasUpper, Int32(n), alpha, a.baseAddress, Int32(lda), x.baseAddress, 1,
                    beta, y.baseAddress, 1)
    }

    /// The Gram matrix G Gᵀ of the m rows of a row-major G of shape (m, n), as a full row-major (m, m)
    /// (`dsyrk` forms the upper triangle; the lower is mirrored from it, so the result is exactly symmetric).
    /// - Complexity: O(m² n).
    public static func gram(rows m: Int, columns n: Int, _ g: UnsafeBufferPointer<Double>) -> [Double] {
        precondition(g.count >= m * n)
        var c = [Double](repeating: 0, count: m * m)
        cblas_dsyrk(CblasRowMajor, CblasUpper, CblasNoTrans, Int32(m), Int32(n), 1, g.baseAddress, Int32(n), 0, &c, Int32(m))
        for i in 0..<m { for j in 0..<i { c[i * m + j] = c[j * m + i] } }
        return c
    }
}
