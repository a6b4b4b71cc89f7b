import LinearAlgebra

/// B token sequences of length T, row-major (B, T). The loss predicts token t+1 from positions ≤ t,
/// for t < T − 1 (Hugging Face's `labels=input_ids` convention).
public struct TokenBatch: Sendable, Equatable {
    public var tokens: [Int32]
    public var batch: Int
    public var length: Int

    public init(sequences: [[Int]]) {
        precondition(!sequences.isEmpty && sequences.allSatisfy { $0.count == sequences[0].count && $0.count >= 2 },
                     "a batch needs sequences of one length >= 2")
        tokens = sequences.flatMap { $0.map { Int32($0) } }
        batch = sequences.count
        length = sequences[0].count
    }

    /// Sequences of `length` tokens laid end to end in `tokens` (row-major (B, T)), without the copies of
    /// `init(sequences:)`: 4 bytes per token.
    public init(flat tokens: [Int32], length: Int) {
        precondition(length >= 2 && !tokens.isEmpty && tokens.count % length == 0, "a batch needs sequences of one length >= 2")
        (self.tokens, self.batch, self.length) = (tokens, tokens.count / length, length)
    }

    /// targets[b, t] = tokens[b, t+1], or −1 at the last position.
    var targets: [Int32] {
        (0..<(batch * length)).map { i in i % length == length - 1 ? -1 : tokens[i + 1] }
    }

    /// Sequence b's token ids.
    public func tokens(ofSequence b: Int) -> [Int] {
        tokens[(b * length)..<((b + 1) * length)].map { Int($0) }
    }

    /// The sequences as arrays of token ids.
    public var sequences: [[Int]] { (0..<batch).map(tokens(ofSequence:)) }

    /// The batch of one sequence.
    public func sequence(_ b: Int) -> TokenBatch {
        TokenBatch(sequences: [tokens(ofSequence: b)])
    }

    /// The batch of the first `count` sequences.
    public func prefix(_ count: Int) -> TokenBatch {
        precondition((1...batch).contains(count), "a prefix of 1 to \(batch) sequences")
        var head = self
        head.tokens = Array(tokens[..<(count * length)])
        head.batch = count
        return head
    }

    /// `count` batches of `size` sequences each, drawn uniformly with replacement from this one
    /// (seeded): the steps of a fine-tuning run.
    public func randomBatches(_ count: Int, size: Int, seed: UInt64) -> [TokenBatch] {
        var rng = SeededGenerator(seed: seed)
        return (0..<count).map { _ in
            TokenBatch(sequences: (0..<size).map { _ in tokens(ofSequence: Int(rng.next() % UInt64(batch))) })
        }
    }
}
