import Foundation
import LinearAlgebra
import Models
import TestSupport
import Testing
@testable import Theory

/// Issue 11: the tangent kernel (eq. 8) against products of per-sequence gradients, directional
/// derivatives and PyTorch; its offset F (eq. 9) against an independent matrix exponential.
struct NeuralTangentKernelTests {
    /// exp(A) by scaling and squaring of its Taylor series: A / 2^s with ‖A / 2^s‖_∞ ≤ 1/2, 30 terms (the
    /// remainder below 2^-30 / 30! ≈ 1e-41), then s squarings. Independent of any eigen-decomposition.
    static func exponential(_ a: [Double], n: Int) -> [Double] {
        let norm = (0..<n).map { i in (0..<n).reduce(0) { $0 + abs(a[i * n + $1]) } }.max() ?? 0
        let s = max(0, Int((log2(max(norm, 1e-300)) + 1).rounded(.up)))
        let scaled = a.map { $0 / pow(2, Double(s)) }
        func product(_ x: [Double], _ y: [Double]) -> [Double] {
            (0..<(n * n)).map { k in (0..<n).reduce(0) { $0 + x[(k / n) * n + $1] * y[$1 * n + k % n] } }
        }
        var result = (0..<(n * n)).map { $0 / n == $0 % n ? 1.0 : 0 }, term = result
        for k in 1...30 {
            term = product(term, scaled).map { $0 / Double(k) }
            result = zip(result, term).map(+)
        }
        for _ in 0..<s { result = product(result, result) }
        return result
    }

    /// A seeded m x m Gram matrix (rank min(m, 5)) and outputs.
    static func kernel(_ m: Int, seed: UInt64) -> NeuralTangentKernel {
        var rng = SeededGenerator(seed: seed)
        let g = (0..<(m * 5)).map { _ in rng.normal() }
        let theta = g.withUnsafeBufferPointer { BLAS.gram(rows: m, columns: 5, $0) }
        return NeuralTangentKernel(matrix: theta, outputs: (0..<m).map { _ in -1 - rng.uniform() })
    }

    @Test(arguments: [2, 3, 5, 8] as [Int])
    func offsetMatchesAnIndependentMatrixExponential(m: Int) throws {
        let kernel = Self.kernel(m, seed: UInt64(m))
        let offset = try #require(TangentKernelOffset(kernel: kernel))
        for (eta, t) in [(0.01, 10.0), (0.01, 500.0), (0.1, 3.0)] {
            let e = Self.exponential(kernel.matrix.map { -eta * t * $0 }, n: m)
            let moved = (0..<m).map { i in (0..<m).reduce(0) { $0 + e[i * m + $1] * kernel.outputs[$1] } }
            let want = moved.reduce(0) { $0 + $1 * $1 }
            let got = offset.value(rate: eta, steps: t)
            #expect(abs(got - want) <= 1e-10 * want, "m \(m), eta t \(eta * t): \(got) vs \(want)")
        }
        #expect(abs(offset.value(rate: 0.01, steps: 0) - kernel.outputs.reduce(0) { $0 + $1 * $1 }) < 1e-12 * Double(m))
    }

    /// On a diagonal kernel the matrix exponential is diagonal; the element-wise one has ones off the
    /// diagonal, so the two differ by the cross terms, by hand: m = 2, Θ = diag(1, 2), r = (1, 1).
    @Test func elementwiseVariantIsNotTheMatrixExponential() throws {
        let kernel = NeuralTangentKernel(matrix: [1, 0, 0, 2], outputs: [1, 1])
        let (eta, t) = (0.5, 1.0)
        let matrix = try #require(TangentKernelOffset(kernel: kernel)).value(rate: eta, steps: t)
        #expect(abs(matrix - (exp(-1) + exp(-2))) < 1e-15)
        let elementwise = TangentKernelOffset.elementwise(kernel, rate: eta, steps: t)
        let rows = (exp(-0.5) + 1, 1 + exp(-1.0))
        #expect(abs(elementwise - (rows.0 * rows.0 + rows.1 * rows.1)) < 1e-14)
    }

    /// Θ_jk = ∇f_j · ∇f_k, checked as the directional derivative of f_j along ∇f_k by central
    /// differences (step 1e-5: truncation O(h²) ≈ 1e-10, round-off 1e-16 / 1e-5), on a seeded model.
    @Test func kernelEntriesAreDirectionalDerivativesOfTheOutputs() throws {
        let parameters = SmallModels.parameters(seed: 21)
        let probes = SmallModels.batch(4, seed: 22)
        let kernel = NeuralTangentKernel(engine: GPT2Engine(GPT2<Double>(parameters)), probes: probes)
        let m = probes.batch
        let gradients = (0..<m).map { j in GPT2<Double>(parameters).gradient(probes.sequence(j)).gradient.map { -$0 } }
        let h = 1e-5
        for k in 0..<m {
            var plus = parameters, minus = parameters
            for i in plus.values.indices { plus.values[i] += h * gradients[k][i]; minus.values[i] -= h * gradients[k][i] }
            let (up, down) = (GPT2<Double>(plus).loss(probes).perSequence, GPT2<Double>(minus).loss(probes).perSequence)
            for j in 0..<m {
                let difference = -(up[j] - down[j]) / (2 * h)
                let scale = (kernel.matrix[j * m + j] * kernel.matrix[k * m + k]).squareRoot()
                #expect(abs(kernel.matrix[j * m + k] - difference) <= 1e-6 * scale, "Θ[\(j),\(k)] \(kernel.matrix[j * m + k]) vs \(difference)")
            }
        }
        // The Gram matrix of the same gradients, entry by entry, and the outputs are the sequences' mean log-likelihoods.
        for j in 0..<m {
            for k in 0..<m {
                let dot = zip(gradients[j], gradients[k]).reduce(0) { $0 + $1.0 * $1.1 }
                #expect(abs(kernel.matrix[j * m + k] - dot) <= 1e-12 * max(1, abs(dot)))
            }
        }
        let losses = GPT2<Double>(parameters).loss(probes).perSequence
        #expect(zip(kernel.outputs, losses).allSatisfy { abs($0 + $1) < 1e-12 })
    }

    /// On the PyTorch fixture: the sequences' gradients sum to −m ∇L of the batch (the batch loss is the
    /// mean of equal-length sequences' means), so 1ᵀ Θ 1 = m² ‖∇L‖², with ‖∇L‖² from PyTorch's float64
    /// gradient norms (golden to 1e-8, as the gradient test asks); and the outputs average to −L.
    @Test(.enabled(if: Fixture.present, "../shared/fixtures/gpt2-tiny is absent"))
    func kernelSumMatchesPyTorchsBatchGradient() throws {
        let parameters = try GPT2Parameters.load(directory: Fixture.root + "/finetuned")
        let probes = try TokenFile.read(path: Fixture.root + "/tokens.json", split: "train", vocabulary: parameters.config.vocabulary)
        let kernel = NeuralTangentKernel(engine: GPT2Engine(GPT2<Double>(parameters)), probes: probes)
        let norms = try #require(Fixture.golden["grad_norm"] as? [String: Double])
        let m = Double(probes.batch)
        let want = m * m * norms.values.reduce(0) { $0 + $1 * $1 }
        #expect(abs(kernel.matrix.reduce(0, +) - want) <= 1e-8 * want, "\(kernel.matrix.reduce(0, +)) vs \(want)")
        let loss = try #require(Fixture.golden["loss_train"] as? Double)
        #expect(abs(kernel.outputs.reduce(0, +) / m + loss) < 1e-10)
        let offset = try #require(TangentKernelOffset(kernel: kernel))
        #expect(offset.eigenvalues.allSatisfy { $0 >= 0 } && offset.eigenvalues.last! > 0)
    }
}
