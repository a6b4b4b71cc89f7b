import Foundation
import Hessian
import LinearAlgebra

/// `lens bench lanczos`: operator applications to reach a top-eigenvalue relative error of 1e-6,
/// Lanczos against PyHessian's power iteration, on dense matrices of known spectra; and the time of
/// a dense operator application against a bare `cblas_dsymv`, in the same run.
public struct LanczosTiming: Sendable {
    /// The dimension of the test matrices.
    public var n: Int
    /// The dimension of the dense operator timed against cblas_dsymv.
    public var timingDimension: Int
    public var seed: UInt64

    public init(n: Int, timingDimension: Int, seed: UInt64) {
        (self.n, self.timingDimension, self.seed) = (n, timingDimension, seed)
    }

    /// The relative error of the top eigenvalue at which a method counts as converged.
    public static let target = 1e-6

    /// Spectra from easy to hard for both methods: a geometric decay (a clear gap), a power law (a 2x
    /// top gap), a linear one (gaps of 1/n) and an indefinite linear one (the largest magnitude is not
    /// the largest eigenvalue's neighbour).
    public var spectra: [(name: String, eigenvalues: [Double])] {
        let size = Double(n)
        return [
            ("geometric 0.95^i", (0..<n).map { pow(0.95, Double($0)) }),
            ("power law 1/(i+1)", (0..<n).map { 1 / Double($0 + 1) }),
            ("linear 1 - i/n", (0..<n).map { 1 - Double($0) / size }),
            ("indefinite 1 .. -0.8", (0..<n).map { 1 - 1.8 * Double($0) / (size - 1) }),
        ]
    }

    public struct Result: Sendable {
        public var timing: LanczosTiming
        /// Applications to the target per spectrum, nil where not reached.
        public var applications: [(spectrum: String, lanczos: Int?, power: Int?)]
        /// Seconds per application: the dense operator, and cblas_dsymv on the same matrix.
        public var operatorApplication: Double
        public var symv: Double
    }

    public func run() -> Result {
        let target = Self.target
        let applications = spectra.map { name, lambda -> (String, Int?, Int?) in
            let op = DenseSymmetricOperator(spectrum: lambda, seed: seed, reflections: 3)
            let top = lambda.max()!
            var rng = SeededGenerator(seed: seed)
            var lanczos = LanczosProcess(op, start: (0..<n).map { _ in rng.normal() }, capacity: 256)
            var lanczosCount: Int?
            while lanczos.steps < n, lanczos.step() {
                if abs(lanczos.ritz().values.last! - top) <= target * top { lanczosCount = lanczos.applications; break }
            }
            let power = PowerIteration.compute(op, maxIterations: 20_000, tolerance: 0, seed: seed) { abs($0 - top) <= target * top }
            let powerCount = power.converged && abs(power.values[0] - top) <= target * top ? power.applications : nil
            return (name, lanczosCount, powerCount)
        }

        let m = timingDimension
        let op = DenseSymmetricOperator(spectrum: (0..<m).map { Double($0) / Double(m) }, seed: seed, reflections: 1)
        let x = (0..<m).map { sin(Double($0)) }
        var y = [Double](repeating: 0, count: m)
        let repeats = 50
        var viaOperator = Stopwatch(), direct = Stopwatch()
        for _ in 0..<3 {
            viaOperator.time { for _ in 0..<repeats { x.withUnsafeBufferPointer { xs in y.withUnsafeMutableBufferPointer { op.apply(xs, into: $0) } } } }
            direct.time {
                for _ in 0..<repeats {
                    op.entries.withUnsafeBufferPointer { a in
                        x.withUnsafeBufferPointer { xs in y.withUnsafeMutableBufferPointer { BLAS.symv(n: m, alpha: 1, a, lda: m, xs, beta: 0, $0) } }
                    }
                }
            }
        }
        return Result(timing: self, applications: applications,
                      operatorApplication: viaOperator.best / Double(repeats), symv: direct.best / Double(repeats))
    }
}
