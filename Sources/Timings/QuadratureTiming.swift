import Foundation
import Hessian
import LinearAlgebra

/// `lens bench quadrature`: how tight the certified interval of vᵀH⁺v is, against k, on dense test
/// spectra whose exact value LAPACK gives; beside it the Araki–Yamagami half-width β_k ‖v‖² alone (the
/// previous certificate); then a run to a relative tolerance with the largest k as its cap, where it
/// stopped, how close its upper end came, and its time split between the operator's applications, the
/// rest of Lanczos (reorthogonalisation, Ritz pairs: a run of the same steps for vᵀHv, which needs no
/// bounds) and the certificate (everything else).
public struct QuadratureTiming: Sendable {
    public var n: Int
    public var steps: [Int]
    public var tolerance: Double
    public var seed: UInt64

    public init(n: Int, steps: [Int], tolerance: Double, seed: UInt64) {
        (self.n, self.steps, self.tolerance, self.seed) = (n, steps, tolerance, seed)
    }

    /// Spectra from easy to hard for the certificate: mass away from the kink at 0 is resolved quickly;
    /// density at the kink itself leaves F(0) uncertain by O(1/k).
    public func spectra() -> [(name: String, eigenvalues: [Double])] {
        var rng = SeededGenerator(seed: seed)
        let wishart: [Double] = {
            let m = n / 2
            let x = (0..<(n * m)).map { _ in rng.normal() }
            var a = [Double](repeating: 0, count: n * n)
            x.withUnsafeBufferPointer { x in
                a.withUnsafeMutableBufferPointer { a in
                    Double.gemm(transposeA: false, transposeB: true, m: n, n: n, k: m, alpha: 1 / Double(m), x.baseAddress!, lda: m,
                                x.baseAddress!, ldb: m, beta: 0, a.baseAddress!, ldc: n)
                }
            }
            return SymmetricEigen.dense(a, n: n)?.values ?? []
        }()
        return [
            ("Marchenko-Pastur (half at 0)", wishart),
            ("Hessian-like (outliers, bulk at 0, negatives)", (0..<n).map { i in
                i < n / 30 ? 1 + 5 * rng.uniform() : (i < n / 10 ? -0.01 * rng.uniform() : 0.002 * rng.normal()) }),
            ("uniform [0, 1]", (0..<n).map { _ in rng.uniform() }),
            ("power law 1/i", (0..<n).map { 1 / Double($0 + 1) }),
            ("indefinite normal (density at 0)", (0..<n).map { _ in rng.normal() }),
        ]
    }

    public struct Row: Sendable {
        public var spectrum: String
        /// Per k: (upper end − exact) / exact, lower end likewise, and β_k ‖v‖² / exact.
        public var upperExcess: [Double]
        public var lowerShortfall: [Double]
        public var arakiYamagami: [Double]
        /// Seconds per form at the largest k, and per dense operator application.
        public var secondsPerForm: Double
        public var secondsPerApplication: Double
        /// The run to `tolerance` with the largest k as cap: steps, why it stopped, (upper end − exact) / exact,
        /// and seconds in applications, in the rest of Lanczos, and in the certificate.
        public var tolerated: QuadraticForm
        public var toleratedExcess: Double
        public var toleratedSeconds: (applications: Double, lanczos: Double, certificate: Double)
    }

    public func run() -> [Row] {
        spectra().map { name, lambda in
            let op = DenseSymmetricOperator(spectrum: lambda, seed: seed, reflections: 3)
            var rng = SeededGenerator(seed: seed &+ 1)
            let v = (0..<n).map { _ in rng.normal() }
            let (values, vectors) = SymmetricEigen.dense(op.entries, n: n, vectors: true) ?? ([], nil)
            var exact = 0.0
            for j in 0..<n {
                var c = 0.0
                for i in 0..<n { c += vectors![i * n + j] * v[i] }
                exact += max(values[j], 0) * c * c
            }
            let cap = steps.max() ?? 1
            var row = Row(spectrum: name, upperExcess: [], lowerShortfall: [], arakiYamagami: [], secondsPerForm: 0, secondsPerApplication: 0,
                          tolerated: GaussQuadrature.quadraticForm(op, vector: v, function: .identity, steps: 1), toleratedExcess: 0,
                          toleratedSeconds: (0, 0, 0))
            var form = Stopwatch(), application = Stopwatch()
            for k in steps {
                var watch = Stopwatch()
                let f = watch.time { GaussQuadrature.quadraticForm(op, vector: v, function: .positivePart, steps: k) }
                if k == cap { form = watch }
                row.upperExcess.append(f.interval.upperBound / exact - 1)
                row.lowerShortfall.append(1 - f.interval.lowerBound / exact)
                row.arakiYamagami.append(f.residualNorm * f.vectorNorm * f.vectorNorm / exact)
            }
            var y = [Double](repeating: 0, count: n)
            v.withUnsafeBufferPointer { x in y.withUnsafeMutableBufferPointer { y in application.time { op.apply(x, into: y) } } }
            row.secondsPerForm = form.best
            row.secondsPerApplication = application.best

            var tolerated = Stopwatch(), plain = Stopwatch()
            row.tolerated = tolerated.time {
                GaussQuadrature.quadraticForm(op, vector: v, function: .positivePart, steps: cap, tolerance: tolerance)
            }
            row.toleratedExcess = row.tolerated.interval.upperBound / exact - 1
            let k = row.tolerated.steps
            plain.time { _ = GaussQuadrature.quadraticForm(op, vector: v, function: .identity, steps: k) }
            let applications = Double(row.tolerated.applications) * row.secondsPerApplication
            row.toleratedSeconds = (applications, max(plain.best - applications, 0), max(tolerated.best - plain.best, 0))
            return row
        }
    }
}
