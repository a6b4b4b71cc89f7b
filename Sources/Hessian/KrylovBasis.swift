import LinearAlgebra

/// How a Lanczos basis is stored. The arithmetic is Float64 either way; Float32 storage halves the
/// k × n memory at the price of a basis orthonormal only to about 1e-7.
public enum BasisPrecision: Sendable {
    case double
    case single

    public var bytesPerEntry: Int { self == .double ? 8 : 4 }
}

/// The orthonormal vectors q₁ … q_j of a Lanczos run, as rows of a (j, n) array.
struct KrylovBasis {
    let dimension: Int
    let precision: BasisPrecision
    private(set) var count = 0
    private var doubles: [Double] = []
    private var singles: [Float] = []

    /// - Parameter capacity: the vectors to reserve room for; at most `dimension` are ever held (an
    ///   orthonormal basis of a `dimension`-space), so a larger request (a step count from a user's
    ///   options or manifest) reserves only that many.
    init(dimension: Int, precision: BasisPrecision, capacity: Int) {
        self.dimension = dimension
        self.precision = precision
        let vectors = max(0, min(capacity, dimension))
        switch precision {
        case .double: doubles.reserveCapacity(vectors * dimension)
        case .single: singles.reserveCapacity(vectors * dimension)
        }
    }

    mutating func append(_ q: [Double]) {
        precondition(q.count == dimension)
        switch precision {
        case .double: doubles += q
        case .single: singles += q.map { Float($0) }
        }
        count += 1
    }

    /// w ← w − c qᵢ.
    /// - Complexity: O(n).
    func subtract(row i: Int, times c: Double, from w: inout [Double]) {
        let base = i * dimension
        switch precision {
        case .double:
            doubles.withUnsafeBufferPointer { v in w.withUnsafeMutableBufferPointer { w in
                for t in 0..<dimension { w[t] -= c * v[base + t] }
            } }
        case .single:
            singles.withUnsafeBufferPointer { v in w.withUnsafeMutableBufferPointer { w in
                for t in 0..<dimension { w[t] -= c * Double(v[base + t]) }
            } }
        }
    }

    /// One classical Gram–Schmidt pass, w ← w − V Vᵀ w.
    /// - Complexity: O(j n).
    func orthogonalize(_ w: inout [Double]) {
        guard count > 0 else { return }
        let n = dimension
        var h = [Double](repeating: 0, count: count)
        switch precision {
        case .double:
            doubles.withUnsafeBufferPointer { v in
                w.withUnsafeMutableBufferPointer { w in
                    h.withUnsafeMutableBufferPointer { h in
                        BLAS.gemv(rows: count, columns: n, alpha: 1, v, UnsafeBufferPointer(w), beta: 0, h)
                        BLAS.gemv(transpose: true, rows: count, columns: n, alpha: -1, v, UnsafeBufferPointer(h), beta: 1, w)
                    }
                }
            }
        case .single:
            singles.withUnsafeBufferPointer { v in
                for i in 0..<count {
                    var s = 0.0
                    for t in 0..<n { s += Double(v[i * n + t]) * w[t] }
                    h[i] = s
                }
                for i in 0..<count {
                    let c = h[i]
                    for t in 0..<n { w[t] -= c * Double(v[i * n + t]) }
                }
            }
        }
    }

    /// Σᵢ cᵢ qᵢ: a Ritz vector from the coefficients of an eigenvector of T.
    /// - Complexity: O(j n).
    func combine(_ c: [Double]) -> [Double] {
        precondition(c.count == count)
        var y = [Double](repeating: 0, count: dimension)
        switch precision {
        case .double:
            doubles.withUnsafeBufferPointer { v in
                c.withUnsafeBufferPointer { c in
                    y.withUnsafeMutableBufferPointer { y in
                        BLAS.gemv(transpose: true, rows: count, columns: dimension, alpha: 1, v, c, beta: 0, y)
                    }
                }
            }
        case .single:
            for i in 0..<count {
                let base = i * dimension
                for t in 0..<dimension { y[t] += c[i] * Double(singles[base + t]) }
            }
        }
        return y
    }
}
