import Foundation
import LinearAlgebra
import Models
import Testing

/// Acceptance 3, 4 and 6: exact Hessian-vector products against PyTorch, by block and per sample,
/// and their symmetry and agreement with finite differences of gradients.
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
        let range = finetuned.layout.range(of: finetuned.layout.blocks.first { $0.name == block }!)
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

    // uᵀ H w = wᵀ H u for random u, w: the HVP is a symmetric operator to round-off.
    @Test func hvpIsSymmetric() {
        var rng = SeededGenerator(seed: 4)
        let u = v.map { _ in rng.normal() }, w = v.map { _ in rng.normal() }
        let uHw = dot(u, model.hessianVectorProduct(batch, direction: w).hvp)
        let wHu = dot(w, model.hessianVectorProduct(batch, direction: u).hvp)
        #expect(abs(uHw - wHu) <= 1e-12 * max(abs(uHw), abs(wHu)), "\(uHw) vs \(wHu)")
    }

    // (g(θ + h v) − g(θ − h v)) / 2h = H v + O(h²): at h = 1e-4 along a unit direction the truncation
    // is ~1e-8 and the round-off ~1e-12 / h: agreement to 1e-6 relative.
    @Test func hvpAgreesWithCentralDifferencesOfGradients() {
        let norm = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
        let unit = v.map { $0 / norm }
        let hv = model.hessianVectorProduct(batch, direction: unit).hvp
        let h = 1e-4
        var plus = model, minus = model
        for i in unit.indices { plus.weights[i] += h * unit[i]; minus.weights[i] -= h * unit[i] }
        let gp = plus.gradient(batch).gradient, gm = minus.gradient(batch).gradient
        let fd = zip(gp, gm).map { ($0 - $1) / (2 * h) }
        let diff = zip(fd, hv).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }.squareRoot()
        let scale = hv.reduce(0) { $0 + $1 * $1 }.squareRoot()
        #expect(diff <= 1e-6 * scale, "relative difference \(diff / scale)")
    }

    // A kept linearisation gives every product as a fresh one would, in any order: its forward and
    // backward caches are read, never consumed. Same arithmetic in the same order: bit for bit.
    @Test func keptLinearisationGivesFreshProductsInAnyOrder() {
        var rng = SeededGenerator(seed: 9)
        let u = v.map { _ in rng.normal() }
        let point = GPT2Linearisation(model, batch: batch)
        let first = point.hessianVectorProduct(v)
        let other = point.hessianVectorProduct(u)
        #expect(point.hessianVectorProduct(v) == first)
        #expect(first == model.hessianVectorProduct(batch, direction: v).hvp)
        #expect(other == model.hessianVectorProduct(batch, direction: u).hvp)
        // The loss alone runs a blocked log-sum-exp, the linearisation the full softmax: round-off apart.
        #expect(abs(point.loss.mean - model.loss(batch).mean) <= 1e-14 * point.loss.mean)
    }
}
