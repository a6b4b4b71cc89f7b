import Foundation
import Models
import TestSupport
import Testing

/// Acceptance 1 of the GPT-2 issue: the native forward pass reproduces PyTorch's losses.
@Suite(.enabled(if: Fixture.present, "../shared/fixtures/gpt2-tiny is absent"))
struct GPT2ForwardTests {
    func batch(_ split: String) throws -> TokenBatch {
        try TokenFile.read(path: Fixture.root + "/tokens.json", split: split, vocabulary: 256)
    }

    // Float64 end to end, like the golden values: only summation order differs, O(1e-15) relative.
    @Test(arguments: ["train", "test"])
    func float64LossMatchesPyTorchToTenDigits(split: String) throws {
        let parameters = try GPT2Parameters.load(directory: Fixture.root + "/finetuned")
        let loss = GPT2<Double>(parameters).loss(try batch(split)).mean
        let golden = try #require(Fixture.golden["loss_\(split)"] as? Double)
        #expect(abs(loss - golden) <= 1e-10 * golden, "\(loss) vs \(golden)")
    }

    // PyTorch's float32 run and ours round differently: agreement to 1e-5 absolute.
    @Test(arguments: ["train", "test"])
    func float32PretrainedLossMatchesPyTorch(split: String) throws {
        let parameters = try GPT2Parameters.load(directory: Fixture.root + "/pretrained")
        let loss = GPT2<Float>(parameters).loss(try batch(split)).mean
        let golden = try #require(Fixture.golden["loss_\(split)_pretrained_float32"] as? Double)
        #expect(abs(Double(loss) - golden) <= 1e-5, "\(loss) vs \(golden)")
    }

    @Test func perSequenceLossesAverageToTheBatchLoss() throws {
        let model = GPT2<Double>(try GPT2Parameters.load(directory: Fixture.root + "/finetuned"))
        let b = try batch("train")
        let loss = model.loss(b)
        #expect(abs(loss.perSequence.reduce(0, +) / 4 - loss.mean) < 1e-14)
        #expect(abs(model.loss(b.sequence(2)).mean - loss.perSequence[2]) < 1e-13)
    }
}

/// The loss-only head (vocabulary blocks of `headColumns` with a running log-sum-exp) against the
/// head that keeps the whole softmax, on a vocabulary of two full blocks and a partial one.
struct GPT2HeadTests {
    @Test func lossOverVocabularyBlocksEqualsTheFullSoftmax() {
        let config = GPT2Config(layers: 1, channels: 16, heads: 2, maxPositions: 8, vocabulary: 2 * 2048 + 777)
        var parameters = GPT2Parameters.randomInitialization(config: config, seed: 3)
        // Larger logits than the initialisation gives, so the running maximum moves between blocks.
        for i in parameters.layout.ranges.wte { parameters.values[i] *= 40 }
        let model = GPT2<Double>(parameters)
        let batch = TokenBatch(sequences: [[5, 4100, 17, 2047, 2048, 4872, 9, 3], [4872, 0, 1, 2, 4095, 4096, 4097, 6]])
        let blocked = model.loss(batch), full = model.gradient(batch).loss
        // Same terms, different summation order: round-off, relative.
        #expect(abs(blocked.mean - full.mean) <= 1e-13 * full.mean, "\(blocked.mean) vs \(full.mean)")
        for (b, f) in zip(blocked.perSequence, full.perSequence) { #expect(abs(b - f) <= 1e-13 * f) }
    }
}
