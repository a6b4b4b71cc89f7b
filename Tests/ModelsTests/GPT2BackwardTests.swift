import Foundation
import Models
import TestSupport
import Testing

/// Gradients against PyTorch (finite differences, which need no reference, are in `GPT2DerivativeTests`).
@Suite(.enabled(if: Fixture.present, "../shared/fixtures/gpt2-tiny is absent"))
struct GPT2BackwardTests {
    // Float64 throughout: only summation order differs from PyTorch.
    @Test func gradientNormOfEveryTensorMatchesPyTorch() throws {
        let parameters = try GPT2Parameters.load(directory: Fixture.root + "/finetuned")
        let batch = try TokenFile.read(path: Fixture.root + "/tokens.json", split: "train", vocabulary: 256)
        let (_, grad) = GPT2<Double>(parameters).gradient(batch)
        let golden = try #require(Fixture.golden["grad_norm"] as? [String: Double])
        #expect(golden.count == parameters.tensors.count)
        for (name, norm) in parameters.tensorNorms(grad) {
            let want = try #require(golden["transformer." + name])
            #expect(abs(norm - want) <= 1e-8 * want, "\(name): \(norm) vs \(want)")
        }
    }
}
