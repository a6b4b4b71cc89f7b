import Hessian
import LinearAlgebra

/// The native GPT-2 engine as a `ModelEngine`: exact forward-over-reverse products in Float64,
/// deterministic, the reference every other engine is checked against. One `GPT2<Double>` (its weights
/// read-only) serves every lane; each lane holds its own product workspace, remade only when the batch
/// shape changes.
public struct GPT2Engine: ModelEngine {
    public typealias Failure = Never
    public let model: GPT2<Double>
    public let concurrency: Int

    /// - Parameter concurrency: the most threads making products at once (each with its own workspace
    ///   and linearisation in memory; BLAS stays single-threaded in each, so results do not depend on it).
    public init(_ model: GPT2<Double>, concurrency: Int = 1) {
        precondition(concurrency >= 1, "at least one lane")
        (self.model, self.concurrency) = (model, concurrency)
    }

    public var blocks: [ParameterBlock] { model.layout.blocks }
    public var parameterCount: Int { model.weights.count }
    public var vocabulary: Int { model.config.vocabulary }

    public final class Lane {
        var workspace: GPT2HVPWorkspace<Double>?
    }

    public func makeLane() -> Lane { Lane() }

    public func losses(_ batch: TokenBatch) -> [Double] { model.loss(batch).perSequence }

    public func gradient(_ batch: TokenBatch) -> (loss: Double, gradient: [Double]) {
        let (loss, gradient) = model.gradient(batch)
        return (loss.mean, gradient)
    }

    /// The plan's products on every block but the embeddings decide whether the linearisation forms the
    /// output layer's curvature (`GPT2HeadCurvature`).
    public func linearise(_ batch: TokenBatch, in lane: Lane, plan: [Int]) -> GPT2HessianOperator {
        if lane.workspace?.fits(model.config, batch) != true {
            lane.workspace = nil  // the old one's memory back before the new one's
            lane.workspace = GPT2HVPWorkspace(model.config, batch)
        }
        let layout = model.layout
        let headProducts = zip(blocks, plan).reduce(0) { $0 + (layout.modelBlock($1.0) == .embeddings ? 0 : $1.1) }
        return GPT2HessianOperator(model: model, batch: batch, workspace: lane.workspace, headProducts: headProducts)
    }
}

extension GPT2HessianOperator: LinearisedModel {
    /// The native products cannot fail.
    public func check() throws(Never) {}
}
