import _CBLAS
import Foundation

/// A floating-point type with a BLAS matrix product and the elementary functions model code needs,
/// so one generic forward pass serves Float64 (Hessian work) and Float32 (throughput).
public protocol GEMMScalar: BinaryFloatingPoint & Sendable {
    /// C = α op(A) op(B) + β C, row-major; op(X) = Xᵀ when the flag is set. A is (m, k) after op,
    /// B is (k, n) after op, C is (m, n).
    /// - Complexity: O(m n k).
    static func gemm(transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Self,
                     _ a: UnsafePointer<Self>, lda: Int, _ b: UnsafePointer<Self>, ldb: Int,
                     beta: Self, _ c: UnsafeMutablePointer<Self>, ldc: Int)
    /// C = α Aᵀ A + β C on C's upper triangle (its lower is not written), row-major: A is (k, n), C is
    /// (n, n).
    /// - Complexity: O(n² k), half a `gemm`'s.
    static func syrkTransposed(n: Int, k: Int, alpha: Self, _ a: UnsafePointer<Self>, lda: Int, beta: Self,
                               _ c: UnsafeMutablePointer<Self>, ldc: Int)
    /// y = α A x + β y for a symmetric row-major A (n, n) whose upper triangle is read.
    /// - Complexity: O(n²).
    static func symv(n: Int, alpha: Self, _ a: UnsafePointer<Self>, lda: Int, _ x: UnsafePointer<Self>, beta: Self,
                     _ y: UnsafeMutablePointer<Self>)
    /// Σᵢ xᵢ yᵢ over two buffers (BLAS dot).
    static func dot(_ x: UnsafePointer<Self>, _ y: UnsafePointer<Self>, count: Int) -> Self
    static func exp(_ x: Self) -> Self
    /// max xᵢ over a buffer (NaN if any element is NaN).
    static func maximum(_ x: UnsafePointer<Self>, count: Int) -> Self
    /// Σᵢ exp(xᵢ − shift) over a buffer, replacing each xᵢ by exp(xᵢ − shift) when `store` is set.
    static func sumOfExponentials(_ x: UnsafeMutablePointer<Self>, count: Int, shift: Self, store: Bool) -> Self
    static func log(_ x: Self) -> Self
    /// yᵢ = tanh xᵢ over a buffer (y may be x), to an absolute error of a few ulps of 1.
    static func tanh(_ x: UnsafePointer<Self>, into y: UnsafeMutablePointer<Self>, count: Int)
}

extension Double: GEMMScalar {
    public static func gemm(transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Double,
                            _ a: UnsafePointer<Double>, lda: Int, _ b: UnsafePointer<Double>, ldb: Int,
                            beta: Double, _ c: UnsafeMutablePointer<Double>, ldc: Int) {
        cblas_dgemm(CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }
    public static func syrkTransposed(n: Int, k: Int, alpha: Double, _ a: UnsafePointer<Double>, lda: Int, beta: Double,
                                      _ c: UnsafeMutablePointer<Double>, ldc: Int) {
        cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, Int32(n), Int32(k), alpha, a, Int32(lda), beta, c, Int32(ldc))
    }
    public static func symv(n: Int, alpha: Double, _ a: UnsafePointer<Double>, lda: Int, _ x: UnsafePointer<Double>, beta: Double,
                            _ y: UnsafeMutablePointer<Double>) {
        cblas_dsymv(CblasRowMajor, CblasUpper, Int32(n), alpha, a, Int32(lda), x, 1, beta, y, 1)
    }
    public static func dot(_ x: UnsafePointer<Double>, _ y: UnsafePointer<Double>, count: Int) -> Double {
        BLAS.dot(UnsafeBufferPointer(start: x, count: count), UnsafeBufferPointer(start: y, count: count))
    }
    public static func exp(_ x: Double) -> Double { Foundation.exp(x) }
    public static func log(_ x: Double) -> Double { Foundation.log(x) }
}

extension Float: GEMMScalar {
    public static func gemm(transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Float,
                            _ a: UnsafePointer<Float>, lda: Int, _ b: UnsafePointer<Float>, ldb: Int,
                            beta: Float, _ c: UnsafeMutablePointer<Float>, ldc: Int) {
        cblas_sgemm(CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }
    public static func syrkTransposed(n: Int, k: Int, alpha: Float, _ a: UnsafePointer<Float>, lda: Int, beta: Float,
                                      _ c: UnsafeMutablePointer<Float>, ldc: Int) {
        cblas_ssyrk(CblasRowMajor, CblasUpper, CblasTrans, Int32(n), Int32(k), alpha, a, Int32(lda), beta, c, Int32(ldc))
    }
    public static func symv(n: Int, alpha: Float, _ a: UnsafePointer<Float>, lda: Int, _ x: UnsafePointer<Float>, beta: Float,
                            _ y: UnsafeMutablePointer<Float>) {
        cblas_ssymv(CblasRowMajor, CblasUpper, Int32(n), alpha, a, Int32(lda), x, 1, beta, y, 1)
    }
    public static func dot(_ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>, count: Int) -> Float {
        cblas_sdot(Int32(count), x, 1, y, 1)
    }
    public static func exp(_ x: Float) -> Float { Foundation.exp(x) }
    public static func maximum(_ x: UnsafePointer<Float>, count: Int) -> Float {
        (0..<count).reduce(-Float.infinity) { $0.isNaN || x[$1].isNaN ? .nan : Swift.max($0, x[$1]) }
    }
    public static func sumOfExponentials(_ x: UnsafeMutablePointer<Float>, count: Int, shift: Float, store: Bool) -> Float {
        var sum: Float = 0
        for i in 0..<count {
            let e = Foundation.exp(x[i] - shift)
            if store { x[i] = e }
            sum += e
        }
        return sum
    }
    public static func log(_ x: Float) -> Float { Foundation.log(x) }
    public static func tanh(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0..<count { y[i] = Foundation.tanh(x[i]) }
    }
}
