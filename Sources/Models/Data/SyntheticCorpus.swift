import LinearAlgebra

/// Seeded synthetic token corpora, so the demo and the tests need no downloaded data.
///
/// A task is a first-order Markov chain over the vocabulary in which each token has `branching`
/// likely successors (probability 1 − noise, shared equally) and any token otherwise. The *source*
/// task (for pretraining) and the *target* task (for fine-tuning) share the chain except that a
/// fraction `shift` of the tokens get new successor sets: related tasks, as a pretrained model and
/// its fine-tuning data are.
public struct SyntheticCorpus: Sendable {
    public var vocabulary: Int
    public var branching: Int
    public var noise: Double
    public var shift: Double
    public var seed: UInt64

    public init(vocabulary: Int, branching: Int = 4, noise: Double = 0.1, shift: Double = 0.3, seed: UInt64) {
        precondition(vocabulary >= 2 && branching >= 1 && branching <= vocabulary && (0...1).contains(noise) && (0...1).contains(shift))
        (self.vocabulary, self.branching, self.noise, self.shift, self.seed) = (vocabulary, branching, noise, shift, seed)
    }

    public enum Task: String, Sendable, CaseIterable { case source, target }

    /// Mixed into the seed for the target task's re-drawn successors, so that they come from a stream
    /// of their own and the source chain is the same whatever the shift.
    static let shiftSalt: UInt64 = 0x5417_7ED0

    /// Each token's likely successors under `task`.
    public func successors(_ task: Task) -> [[Int]] {
        var rng = SeededGenerator(seed: seed)
        func draw(_ rng: inout SeededGenerator) -> [Int] { (0..<branching).map { _ in Int(rng.next() % UInt64(vocabulary)) } }
        var table = (0..<vocabulary).map { _ in draw(&rng) }
        if task == .target {
            var shiftRng = SeededGenerator(seed: seed ^ Self.shiftSalt)
            for token in 0..<vocabulary where shiftRng.uniform() < shift { table[token] = draw(&shiftRng) }
        }
        return table
    }

    /// `count` sequences of `length` tokens from `task`, drawn with `streamSeed`.
    public func sample(_ task: Task, count: Int, length: Int, streamSeed: UInt64) -> TokenBatch {
        let table = successors(task)
        var rng = SeededGenerator(seed: seed &+ streamSeed &* 0x9E37_79B9)
        let sequences = (0..<count).map { _ -> [Int] in
            var token = Int(rng.next() % UInt64(vocabulary))
            var out = [token]
            while out.count < length {
                token = rng.uniform() < noise ? Int(rng.next() % UInt64(vocabulary))
                                              : table[token][Int(rng.next() % UInt64(branching))]
                out.append(token)
            }
            return out
        }
        return TokenBatch(sequences: sequences)
    }

    /// A train batch of `trainSequences` sequences and a test batch a quarter its size (at least one),
    /// from two streams of `task`.
    public func splits(_ task: Task, trainSequences: Int, length: Int) -> (train: TokenBatch, test: TokenBatch) {
        (sample(task, count: trainSequences, length: length, streamSeed: 1),
         sample(task, count: max(1, trainSequences / 4), length: length, streamSeed: 2))
    }
}
