import _Files
import Foundation
import Models
import Testing

/// Token inputs: the synthetic corpus and the binary layout.
struct CorpusTests {
    @Test func corpusIsDeterministicAndTheTargetTaskIsAShiftOfTheSource() {
        let corpus = SyntheticCorpus(vocabulary: 64, shift: 0.25, seed: 3)
        #expect(corpus.sample(.source, count: 4, length: 16, streamSeed: 1) == corpus.sample(.source, count: 4, length: 16, streamSeed: 1))
        #expect(corpus.sample(.source, count: 4, length: 16, streamSeed: 1) != corpus.sample(.source, count: 4, length: 16, streamSeed: 2))
        let (s, t) = (corpus.successors(.source), corpus.successors(.target))
        let changed = zip(s, t).filter { $0 != $1 }.count
        // 25% of 64 tokens re-drawn: a binomial count around 16, far from 0 and from 64.
        #expect(changed > 4 && changed < 32, "\(changed) of 64 tokens shifted")
    }

    @Test func binaryTokensRoundTripAndRejectARemainder() throws {
        let batch = SyntheticCorpus(vocabulary: 300, seed: 1).sample(.target, count: 3, length: 8, streamSeed: 0)
        let path = NSTemporaryDirectory() + "lens-tokens-\(UUID().uuidString).bin"
        try TokenFile.writeBinary(batch, path: path)
        #expect(try TokenFile.readBinary(path: path, context: 8, vocabulary: 300) == batch)
        let error = #expect(throws: FileError.self) { try TokenFile.readBinary(path: path, context: 5, vocabulary: 300) }
        #expect(error?.message == "24 tokens do not split into sequences of 5")
        let vocab = #expect(throws: FileError.self) { try TokenFile.readBinary(path: path, context: 8, vocabulary: 10) }
        #expect(vocab?.message.contains("not below the vocabulary size 10") == true)
    }
}
