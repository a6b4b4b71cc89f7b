import Hessian

/// A fine-tuned model as the theory reads it: per-sequence losses, and the Hessian of a batch's mean loss
/// as a block operator, whose block-restricted products give Theorem 1's diagonal blocks H_bb. Everything
/// above the product (`HessianTerms`, the bound of Theorem 2, Corollary 1's checkpoints) talks to a model
/// through it, so that the same Lanczos, certificates and statistics run on any engine:
/// `GPT2Engine`, native Swift, exact and deterministic, the reference; `TorchEngine`, any Hugging Face
/// causal LM through a PyTorch worker process.
///
/// Products run in lanes: a lane is what one thread needs to make products (the native engine's
/// workspace), made in the thread that uses it; up to `concurrency` lanes run at once.
public protocol ModelEngine: Sendable {
    /// What the engine's calls throw: `Never` for the native engine, `EngineError` for a worker process.
    associatedtype Failure: Error
    associatedtype Lane
    associatedtype Point: LinearisedModel where Point.Failure == Failure
    /// The parameter blocks, in the engine's parameter order (embeddings, each transformer layer, the
    /// final norm, an untied head where there is one).
    var blocks: [ParameterBlock] { get }
    /// The number of parameters: the dimension of every `Point`.
    var parameterCount: Int { get }
    /// V, the vocabulary's size.
    var vocabulary: Int { get }
    /// The most lanes that may run at once.
    var concurrency: Int { get }
    /// What a report must say about the numbers this engine gives: limits of its precision that the
    /// certified intervals do not count (empty for an exact engine).
    var caveats: [String] { get }
    /// Each sequence's mean next-token cross-entropy, in batch order.
    func losses(_ batch: TokenBatch) throws(Failure) -> [Double]
    /// The batch's mean loss and its gradient, in the engine's parameter order.
    func gradient(_ batch: TokenBatch) throws(Failure) -> (loss: Double, gradient: [Double])
    func makeLane() throws(Failure) -> Lane
    /// The Hessian of the mean loss on `batch` at the engine's weights, linearised in `lane` (used by one
    /// thread at a time, as the lane is). `plan` is the caller's most block-restricted products on it, per
    /// block in `blocks` order (empty: none planned), which an engine may prepare for: the native one forms
    /// its output layer's curvature when the products repay it. The plan may change rounding, never
    /// the mathematics; a caller that wants the same bits from several runs passes the same plan.
    func linearise(_ batch: TokenBatch, in lane: Lane, plan: [Int]) throws(Failure) -> Point
}

extension ModelEngine {
    public var caveats: [String] { [] }

    /// `linearise(_:in:plan:)` with no products planned.
    public func linearise(_ batch: TokenBatch, in lane: Lane) throws(Failure) -> Point {
        try linearise(batch, in: lane, plan: [])
    }
}

/// The Hessian of one batch's loss at fixed weights (a `ModelEngine`'s linearisation): a symmetric
/// operator whose products cannot throw, because Lanczos calls them. An engine whose products can fail
/// (a worker process that dies, a product that is not finite) writes zeros for a failed product, which
/// ends the Lanczos run on an "invariant" space at once, and says why in `check`, which the caller runs
/// after each run: a failure is an error, never a number.
public protocol LinearisedModel: SymmetricOperator {
    associatedtype Failure: Error
    /// Throws the first failure of a product made on this linearisation.
    func check() throws(Failure)
}

/// An engine that could not do what was asked: the worker, the file or the tensor named, and why.
public struct EngineError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}
