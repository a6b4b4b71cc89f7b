import Foundation
import Models
import TestSupport
import Testing

/// Exact Hessian-vector products against PyTorch, whole, by block and per sample (symmetry and finite
/// differences, which need no reference, are in `GPT2DerivativeTests`).
@Suite(.enabled(if: Fixture.present, "../shared/fixtures/gpt2-tiny is absent"))
struct GPT2HessianTests {
    let pretrained: GPT2Parameters
    let finetuned: GPT2Parameters
    let batch: TokenBatch
    let model: GPT2<Double>
    /// v = fine-tuned − pretrained.
    let v: [Double]

    init() throws {
        pretrained = try GPT2Parameters.load(directory: Fixture.root + "/pretrained")
        finetuned = try GPT2Parameters.load(directory: Fixture.root + "/finetuned")
        batch = try TokenFile.read(path: Fixture.root + "/tokens.json", split: "train", vocabulary: 256)
        model = GPT2<Double>(finetuned)
        v = zip(finetuned.values, pretrained.values).map { $0 - $1 }
    }

    func dot(_ a: [Double], _ b: [Double]) -> Double { zip(a, b).reduce(0) { $0 + $1.0 * $1.1 } }

    /// v restricted to a block (zero elsewhere).
    func restricted(_ block: String) -> [Double] {
        let range = finetuned.layout.blocks.first { $0.name == block }!.range
        return v.indices.map { range.contains($0) ? v[$0] : 0 }
    }

    @Test func hvpMatchesPyTorchTensorByTensor() throws {
        let hv = model.hessianVectorProduct(batch, direction: v).hvp
        let golden = try SafeTensorsFile(path: Fixture.root + "/hvp.safetensors")
        for (name, range, _) in finetuned.tensors {
            let want = golden.values(try #require(golden.entry("transformer." + name)))
            let diff = zip(hv[range], want).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }.squareRoot()
            let norm = want.reduce(0) { $0 + $1 * $1 }.squareRoot()
            #expect(diff <= 1e-8 * norm, "\(name): relative difference \(diff / norm)")
        }
        let vHv = dot(v, hv)
        let golden2 = try #require(Fixture.golden["vHv_full"] as? Double)
        #expect(abs(vHv - golden2) <= 1e-9, "vHv \(vHv) vs \(golden2)")
    }

    @Test func blockQuadraticFormsMatchPyTorch() throws {
        let golden = try #require(Fixture.golden["vHv_block"] as? [String: Double])
        for (block, want) in golden {
            let vb = restricted(block)
            let got = dot(vb, model.hessianVectorProduct(batch, direction: vb).hvp)
            #expect(abs(got - want) <= 1e-8 * max(1, abs(want)), "\(block): \(got) vs \(want)")
        }
    }

    @Test func perSampleBlockQuadraticFormsMatchPyTorch() throws {
        let golden = try #require(Fixture.golden["vHv_block_per_sample"] as? [[String: Double]])
        for (i, blocks) in golden.enumerated() {
            for (block, want) in blocks {
                let vb = restricted(block)
                let got = dot(vb, model.hessianVectorProduct(batch.sequence(i), direction: vb).hvp)
                #expect(abs(got - want) <= 1e-8 * max(1, abs(want)), "sample \(i) \(block): \(got) vs \(want)")
            }
        }
    }
}
