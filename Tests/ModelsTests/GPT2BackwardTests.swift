import Foundation
import Models
import Testing

/// Acceptance 2: gradients against PyTorch, and against finite differences of the loss.
@Suite(.enabled(if: Fixture.present, "../shared/fixtures/gpt2-tiny is absent"))
struct GPT2BackwardTests {
    // Float64 throughout: only summation order differs from PyTorch.
    @Test func gradientNormOfEveryTensorMatchesPyTorch() throws {
        let parameters = try GPT2Parameters.load(directory: Fixture.root + "/finetuned")
        let batch = try TokenFile.read(path: Fixture.root + "/tokens.json", split: "train", vocabulary: 256)
        let (_, grad) = GPT2<Double>(parameters).gradient(batch)
        let golden = try #require(Fixture.golden["grad_norm"] as? [String: Double])
        #expect(golden.count == parameters.tensors.count)
        for (name, range, _) in parameters.tensors {
            let norm = grad[range].reduce(0) { $0 + $1 * $1 }.squareRoot()
            let want = try #require(golden["transformer." + name])
            #expect(abs(norm - want) <= 1e-8 * want, "\(name): \(norm) vs \(want)")
        }
    }

    // Central differences with step 1e-5 have truncation error O(h²) ≈ 1e-10 and round-off
    // O(ε / h) ≈ 1e-11 relative to the loss: agreement to 1e-6 relative to the gradient's scale.
    @Test func gradientAgreesWithCentralDifferencesOfTheLoss() throws {
        let parameters = try GPT2Parameters.load(directory: Fixture.root + "/pretrained")
        let batch = try TokenFile.read(path: Fixture.root + "/tokens.json", split: "test", vocabulary: 256)
        let model = GPT2<Double>(parameters)
        let (_, grad) = model.gradient(batch)
        let scale = grad.map(abs).max()!
        let h = 1e-5
        // One coordinate in every tensor.
        for (name, range, _) in parameters.tensors {
            let i = range.lowerBound + (range.count * 7) / 11
            var plus = model, minus = model
            plus.weights[i] += h
            minus.weights[i] -= h
            let fd = (plus.loss(batch).mean - minus.loss(batch).mean) / (2 * h)
            #expect(abs(fd - grad[i]) <= 1e-6 * scale, "\(name)[\(i - range.lowerBound)]: \(grad[i]) vs \(fd)")
        }
    }
}
