import Foundation
import LinearAlgebra

/// How a Lanczos basis is stored. The arithmetic is Float64 either way; Float32 storage halves the
/// k × n memory at the price of a basis orthonormal only to about 1e-7.
public enum BasisPrecision: Sendable {
    case double
    case single

    public var bytesPerEntry: Int { self == .double ? 8 : 4 }
}

/// The orthonormal vectors q₁ … q_j of a Lanczos run, as rows of a (j, n) array.
///
/// The rows live in one buffer sized for the run's steps; a large one comes from the `PageCache` (the
/// smallest idle buffer that holds it), so that the runs over a model's blocks, one after another, reuse
/// one basis already mapped and touched instead of faulting in (and having the kernel zero) fresh pages for
/// every run: measured with `perf` on `lens bench bound`, those faults were 8-12% of the run's cycles.
/// Copy-on-write, as an array.
struct KrylovBasis {
    let dimension: Int
    let precision: BasisPrecision
    private(set) var count = 0
    private var storage: Storage

    /// - Parameter capacity: the vectors to make room for; at most `dimension` are ever held (an
    ///   orthonormal basis of a `dimension`-space), so a larger request (a step count from a user's
    ///   options or manifest) makes room for only that many. More than `capacity` still fit: the buffer grows.
    init(dimension: Int, precision: BasisPrecision, capacity: Int) {
        self.dimension = dimension
        self.precision = precision
        storage = Storage(vectors: max(1, min(capacity, dimension)), dimension: dimension, width: precision.bytesPerEntry)
    }

    mutating func append(_ q: [Double]) {
        precondition(q.count == dimension)
        if count == storage.vectors || !isKnownUniquelyReferenced(&storage) {
            let grown = Storage(vectors: count == storage.vectors ? min(2 * storage.vectors, dimension) : storage.vectors, dimension: dimension,
                                width: precision.bytesPerEntry)
            grown.raw.copyMemory(from: storage.raw, byteCount: count * dimension * precision.bytesPerEntry)
            storage = grown
        }
        switch precision {
        case .double: (storage.doubles + count * dimension).update(from: q, count: dimension)
        case .single: for t in 0..<dimension { storage.singles[count * dimension + t] = Float(q[t]) }
        }
        count += 1
    }

    /// The rows held, as one (count, n) row-major buffer.
    private var doubles: UnsafeBufferPointer<Double> { UnsafeBufferPointer(start: storage.doubles, count: count * dimension) }
    private var singles: UnsafeBufferPointer<Float> { UnsafeBufferPointer(start: storage.singles, count: count * dimension) }

    /// w ← w − c qᵢ.
    /// - Complexity: O(n).
    func subtract(row i: Int, times c: Double, from w: inout [Double]) {
        let base = i * dimension
        switch precision {
        case .double:
            let v = doubles
            w.withUnsafeMutableBufferPointer { w in for t in 0..<dimension { w[t] -= c * v[base + t] } }
        case .single:
            let v = singles
            w.withUnsafeMutableBufferPointer { w in for t in 0..<dimension { w[t] -= c * Double(v[base + t]) } }
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
            let v = doubles
            w.withUnsafeMutableBufferPointer { w in
                h.withUnsafeMutableBufferPointer { h in
                    BLAS.gemv(rows: count, columns: n, alpha: 1, v, UnsafeBufferPointer(w), beta: 0, h)
                    BLAS.gemv(transpose: true, rows: count, columns: n, alpha: -1, v, UnsafeBufferPointer(h), beta: 1, w)
                }
            }
        case .single:
            let v = singles
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

    /// max_{i≠j} |qᵢᵀ qⱼ| and max_i |qᵢᵀ qᵢ − 1|, the larger: how far the rows are from orthonormal,
    /// measured (the Gram matrix by `dsyrk`; a Float32 basis is widened first).
    /// - Complexity: O(j² n).
    func orthogonalityLoss() -> Double {
        guard count > 0 else { return 0 }
        let gram: [Double]
        switch precision {
        case .double: gram = BLAS.gram(rows: count, columns: dimension, doubles)
        case .single: gram = singles.map(Double.init).withUnsafeBufferPointer { BLAS.gram(rows: count, columns: dimension, $0) }
        }
        var worst = 0.0
        for i in 0..<count { for j in 0..<count { worst = max(worst, abs(gram[i * count + j] - (i == j ? 1 : 0))) } }
        return worst
    }

    /// Σᵢ cᵢ qᵢ: a Ritz vector from the coefficients of an eigenvector of T.
    /// - Complexity: O(j n).
    func combine(_ c: [Double]) -> [Double] {
        precondition(c.count == count)
        var y = [Double](repeating: 0, count: dimension)
        switch precision {
        case .double:
            let v = doubles
            c.withUnsafeBufferPointer { c in
                y.withUnsafeMutableBufferPointer { y in
                    BLAS.gemv(transpose: true, rows: count, columns: dimension, alpha: 1, v, c, beta: 0, y)
                }
            }
        case .single:
            let v = singles
            for i in 0..<count {
                let base = i * dimension
                for t in 0..<dimension { y[t] += c[i] * Double(v[base + t]) }
            }
        }
        return y
    }

    /// Room for `vectors` rows of `dimension` entries of `width` bytes, uninitialised until appended.
    private final class Storage {
        let vectors: Int
        let raw: UnsafeMutableRawPointer
        private let bytes: Int
        private let cached: Bool

        init(vectors: Int, dimension: Int, width: Int) {
            self.vectors = vectors
            let needed = max(vectors * dimension * width, width)
            cached = needed >= PageCache.smallestBytes
            let taken = cached ? PageCache.shared.take(atLeast: needed) : malloc(needed).map { ($0, needed) }
            guard let (raw, bytes) = taken else { fatalError("out of memory: a Lanczos basis of \(vectors) vectors of \(dimension)") }
            (self.raw, self.bytes) = (raw, bytes)
            if width == MemoryLayout<Double>.stride { raw.bindMemory(to: Double.self, capacity: bytes / width) } else {
                raw.bindMemory(to: Float.self, capacity: bytes / width)
            }
        }

        var doubles: UnsafeMutablePointer<Double> { raw.assumingMemoryBound(to: Double.self) }
        var singles: UnsafeMutablePointer<Float> { raw.assumingMemoryBound(to: Float.self) }

        deinit { if cached { PageCache.shared.giveBack(raw, bytes: bytes) } else { free(raw) } }
    }
}
