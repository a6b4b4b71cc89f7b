import ArgumentParser
import Foundation
import Hessian
import LinearAlgebra

struct LanczosBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lanczos",
        abstract: "Applications to reach a top-eigenvalue relative error of 1e-6, Lanczos against PyHessian's power iteration; time per dense application against cblas_dsymv.")

    @Option(help: "Dimension of the test matrices.")
    var n = 1000

    @Option(help: "Dimension of the dense operator timed against cblas_dsymv.")
    var timingDimension = 2000

    @Option(help: "Seed of the test matrices and start vectors.")
    var seed: UInt64 = 1

    func run() throws {
        let target = 1e-6
        let size = Double(n)
        let geometric: [Double] = (0..<n).map { pow(0.95, Double($0)) }
        let powerLaw: [Double] = (0..<n).map { 1 / Double($0 + 1) }
        let linear: [Double] = (0..<n).map { 1 - Double($0) / size }
        let indefinite: [Double] = (0..<n).map { 1 - 1.8 * Double($0) / (size - 1) }
        let spectra: [(String, [Double])] = [
            ("geometric 0.95^i", geometric), ("power law 1/(i+1)", powerLaw),
            ("linear 1 - i/n", linear), ("indefinite 1 .. -0.8", indefinite),
        ]
        let basisBytes = LanczosProcess<DenseSymmetricOperator>.memoryBytes(dimension: n, steps: n, precision: .double)
        print("Applications to reach |theta - lambda_max| / lambda_max <= 1e-6 (n = \(n), seed \(seed));")
        print("a Lanczos basis of up to \(n) steps needs at most \(basisBytes / 1_000_000) MB in Float64, half in Float32.")
        print("spectrum                   Lanczos   power   ratio")
        for (name, lambda) in spectra {
            let op = DenseSymmetricOperator(spectrum: lambda, seed: seed, reflections: 3)
            let top = lambda.max()!
            var rng = SeededGenerator(seed: seed)
            var lanczos = LanczosProcess(op, start: (0..<n).map { _ in rng.normal() }, capacity: 256)
            var lanczosCount: Int? = nil
            while lanczos.steps < n, lanczos.step() {
                if abs(lanczos.ritz().values.last! - top) <= target * top { lanczosCount = lanczos.applications; break }
            }
            var powerCount: Int? = nil
            let power = PowerIteration.compute(op, maxIterations: 20_000, tolerance: 0, seed: seed) { abs($0 - top) <= target * top }
            if power.converged && abs(power.values[0] - top) <= target * top { powerCount = power.applications }
            func show(_ c: Int?) -> String { c.map { String($0) } ?? "n/r" }
            let ratio = (lanczosCount != nil && powerCount != nil) ? String(format: "%.3f", Double(lanczosCount!) / Double(powerCount!)) : "-"
            print(name.padding(toLength: 25, withPad: " ", startingAt: 0),
                  show(lanczosCount).leftPadded(8), show(powerCount).leftPadded(7), ratio.leftPadded(7))
        }
        print("(n/r: not reached; power iteration converges to the eigenvalue of largest magnitude, and stalls with a small gap)")

        let m = timingDimension
        let op = DenseSymmetricOperator(spectrum: (0..<m).map { Double($0) / Double(m) }, seed: seed, reflections: 1)
        let x = (0..<m).map { sin(Double($0)) }
        var y = [Double](repeating: 0, count: m)
        let repeats = 50
        func time(_ body: () -> Void) -> Double {
            var best = Double.infinity
            for _ in 0..<3 {
                let start = DispatchTime.now().uptimeNanoseconds
                for _ in 0..<repeats { body() }
                best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 / Double(repeats))
            }
            return best
        }
        let viaOperator = time { x.withUnsafeBufferPointer { xs in y.withUnsafeMutableBufferPointer { op.apply(xs, into: $0) } } }
        let direct = time {
            op.entries.withUnsafeBufferPointer { a in
                x.withUnsafeBufferPointer { xs in y.withUnsafeMutableBufferPointer { BLAS.symv(n: m, alpha: 1, a, xs, beta: 0, $0) } }
            }
        }
        print(String(format: "\nDense operator, n = %d: %.3f ms per application; cblas_dsymv %.3f ms; ratio %.3f",
                     m, viaOperator * 1e3, direct * 1e3, viaOperator / direct))
    }
}

extension String {
    func leftPadded(_ width: Int) -> String { String(repeating: " ", count: max(0, width - count)) + self }
}
