import _Files
import Foundation
import Hessian

/// Any Hugging Face causal LM (`AutoModelForCausalLM`, the folders `save_pretrained` writes, sharded or
/// not) as a `ModelEngine`, through the PyTorch worker (`TorchWorker`): exact block HVPs by forward-over-
/// reverse (torch.func's jvp of grad) on one sequence or a batch, per-sequence losses from a cross-entropy
/// computed in the model's dtype. The blocks are taken from the model's module structure
/// (python/lensllm/blocks.py): the embeddings, each transformer layer, the final norm, an untied head.
/// v = fine-tuned − pretrained comes from the worker, in the engine's parameter order.
///
/// One worker process serves the engine, so products run one at a time (`concurrency` 1); PyTorch's own
/// threads (`LENS_TORCH_THREADS`, default 1) or a GPU work inside each.
public struct TorchEngine: ModelEngine {
    public typealias Failure = EngineError
    public let worker: TorchWorker
    public let blocks: [ParameterBlock]
    public let parameterCount: Int
    public let vocabulary: Int
    /// The architecture, from the model's config: transformers' model_type ("gpt2", "llama", "gpt_neox", …) as
    /// its family, the context its max_position_embeddings or n_positions states.
    public let model: ModelDescription
    /// The dotted name of the model's list of transformer layers ("transformer.h", "model.layers"): the
    /// prefix of its layers' tensors in the checkpoint.
    public let layerList: String
    /// v = fine-tuned − pretrained.
    public let direction: [Double]
    public var concurrency: Int { 1 }

    /// The dtypes the worker computes in. Float64 is exact to the intervals' needs; in float32 and bfloat16
    /// each product carries round-off the certified intervals do not count, and the engine says so (`caveats`).
    public static let dtypes = ["float64", "float32", "bfloat16"]
    /// The dtype this worker computes in.
    public let dtype: String

    public var caveats: [String] {
        guard dtype != "float64" else { return [] }
        let unit = dtype == "float32" ? "6e-8" : "4e-3"
        return ["The PyTorch worker computed in \(dtype): every loss and Hessian-vector product carries \(dtype) round-off (a unit of "
                + "\(unit), growing with the model's depth and width), which the certified intervals do not count. Read the intervals "
                + "and the bound as estimates at that precision; rerun with --dtype float64 for certified ones."]
    }

    /// Starts a worker and loads the pair (with `pretrained` nil, the fine-tuned checkpoint alone, v = 0).
    /// - Parameters:
    ///   - python: the Python that has the `lensllm` package and its pinned requirements (scripts/install-worker).
    ///   - device: "cpu" or "cuda".
    ///   - timeout: seconds one request may take.
    public static func load(pretrained: String?, finetuned: String, python: String, device: String = "cpu", dtype: String = "float64",
                            timeout: Double = 3600) throws(EngineError) -> TorchEngine {
        let worker = try TorchWorker(python: python, timeout: timeout)
        let absolute = { (path: String) in URL(fileURLWithPath: path).standardizedFileURL.path }
        var request: [String: Any] = ["command": "load", "finetuned": absolute(finetuned), "device": device, "dtype": dtype]
        if let pretrained { request["pretrained"] = absolute(pretrained) }
        let (answer, v) = try worker.request(request)
        guard let count = answer["parameters"] as? Int, let vocabulary = answer["vocabulary"] as? Int, let list = answer["blocks"] as? [[String: Any]],
              v.count == count else {
            throw EngineError("python -m lensllm.worker: its answer to load lacks the parameter count, vocabulary or blocks")
        }
        var blocks: [ParameterBlock] = []
        for entry in list {
            guard let name = entry["name"] as? String, let start = entry["start"] as? Int, let end = entry["end"] as? Int, start <= end,
                  start == (blocks.last?.range.upperBound ?? 0) else {
                throw EngineError("python -m lensllm.worker: its blocks are not contiguous ranges from 0")
            }
            blocks.append(ParameterBlock(name: name, range: start..<end))
        }
        guard blocks.last?.range.upperBound == count else { throw EngineError("python -m lensllm.worker: its blocks do not cover the parameters") }
        guard let layers = answer["layers"] as? Int, let width = answer["width"] as? Int, let layerList = answer["layer_list"] as? String else {
            throw EngineError("python -m lensllm.worker: its answer to load lacks the layer count, width or layer list")
        }
        let type = answer["model_type"] as? String ?? "unknown", context = answer["context"] as? Int
        return TorchEngine(worker: worker, blocks: blocks, parameterCount: count, vocabulary: vocabulary,
                           model: ModelDescription(family: type, layers: layers, width: width, heads: answer["heads"] as? Int, context: context,
                                                   vocabulary: vocabulary),
                           layerList: layerList, direction: v, dtype: dtype)
    }

    public func losses(_ batch: TokenBatch) throws(EngineError) -> [Double] {
        let losses = try worker.request(["command": "losses", "tokens": batch.sequences]).payload
        guard losses.count == batch.batch, losses.allSatisfy(\.isFinite) else {
            throw EngineError("python -m lensllm.worker: \(losses.count) losses for \(batch.batch) sequences, or one not finite")
        }
        return losses
    }

    /// The batch's mean loss and its gradient, in the engine's parameter order.
    public func gradient(_ batch: TokenBatch) throws(EngineError) -> (loss: Double, gradient: [Double]) {
        let (header, g) = try worker.request(["command": "gradient", "tokens": batch.sequences])
        guard let loss = header["loss"] as? Double, g.count == parameterCount else {
            throw EngineError("python -m lensllm.worker: a gradient of \(g.count) numbers for \(parameterCount) parameters")
        }
        return (loss, g)
    }

    public func makeLane() -> TorchWorker { worker }

    /// The worker's products need no preparation: the plan is not used.
    public func linearise(_ batch: TokenBatch, in lane: TorchWorker, plan: [Int]) throws(EngineError) -> TorchLinearisation {
        _ = try lane.request(["command": "select", "tokens": batch.sequences])
        return TorchLinearisation(worker: lane, blocks: blocks, dimension: parameterCount)
    }
}

/// The Hessian of the batch the worker last selected, as an operator: each product one request. A failed
/// or non-finite product writes zeros (ending the Lanczos run) and is thrown by `check`.
public final class TorchLinearisation: LinearisedModel {
    public typealias Failure = EngineError
    let worker: TorchWorker
    public let blocks: [ParameterBlock]
    public let dimension: Int
    private var failure: EngineError?

    init(worker: TorchWorker, blocks: [ParameterBlock], dimension: Int) { (self.worker, self.blocks, self.dimension) = (worker, blocks, dimension) }

    public func apply(_ x: UnsafeBufferPointer<Double>, into y: UnsafeMutableBufferPointer<Double>) {
        product(["command": "hvp"], x, into: y)
    }

    public func apply(_ block: ParameterBlock, _ x: UnsafeBufferPointer<Double>, into y: UnsafeMutableBufferPointer<Double>) {
        guard let b = blocks.firstIndex(of: block) else { return applyPadded(block, x, into: y) }
        product(["command": "hvp", "block": b], x, into: y)
    }

    private func product(_ header: [String: Any], _ x: UnsafeBufferPointer<Double>, into y: UnsafeMutableBufferPointer<Double>) {
        guard failure == nil else { y.update(repeating: 0); return }
        do throws(EngineError) {
            _ = try worker.request(header, payload: x, into: y)
            if !y.allSatisfy(\.isFinite) { throw EngineError("python -m lensllm.worker: a Hessian-vector product was not finite (NaN or infinity)") }
        } catch {
            failure = error
            y.update(repeating: 0)
        }
    }

    public func check() throws(EngineError) { if let failure { throw failure } }
}
