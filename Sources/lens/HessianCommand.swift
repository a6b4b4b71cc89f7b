import ArgumentParser
import Foundation
import Hessian
import Models
import Reports

struct HessianCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hessian",
        abstract: "Loss, gradient norms, and per block the truncated quadratic forms v_b^T H_bb^+ v_b (with certified intervals) and top eigenvalues of a checkpoint pair.")

    @Option(help: "Pretrained checkpoint directory (config.json + model.safetensors).")
    var pretrained: String

    @Option(help: "Fine-tuned checkpoint directory.")
    var finetuned: String

    @Option(help: "Token batches: a JSON object of named arrays of equal-length token-id sequences (tokens.json layout).")
    var tokens: String

    @Option(help: "Which batch of a JSON tokens file.")
    var split = "train"

    @Option(help: "Read --tokens as a flat little-endian uint16 file cut into sequences of this length.")
    var context: Int?

    @Option(help: "Lanczos steps per block (the quadrature stops earlier when the Krylov space becomes invariant).")
    var steps = 60

    @Option(help: "Top eigenvalues per block.")
    var top = 3

    @Option(help: "Seed of the eigenvalue runs' start vectors.")
    var seed: UInt64 = 1

    @Flag(help: "Print JSON instead of markdown.")
    var json = false

    func validate() throws {
        guard steps >= 1, top >= 1 else { throw ValidationError("--steps and --top must be positive") }
    }

    func run() throws {
        let pair = try CheckpointPair.load(pretrained: pretrained, finetuned: finetuned)
        let vocabulary = pair.finetuned.config.vocabulary
        let batch = try context.map { try TokenFile.readBinary(path: tokens, context: $0, vocabulary: vocabulary) }
            ?? TokenFile.read(path: tokens, split: split, vocabulary: vocabulary)
        let analysis = PairCurvature.analyse(pair, batch: batch, steps: steps, eigenvalues: top, seed: seed)
        let (loss, blocks, gradientNorms) = (analysis.loss, analysis.blocks, analysis.gradientNorms)
        if json {
            var out: [String: Any] = ["loss": loss, "split": split, "batch": batch.batch, "sequence_length": batch.length]
            out["gradient_norm"] = Dictionary(uniqueKeysWithValues: gradientNorms.map { ($0.name, $0.norm) })
            out["blocks"] = blocks.map { b -> [String: Any] in
                ["block": b.block.name, "parameters": b.block.range.count, "v_norm": b.directionNorm, "vHv": b.raw,
                 "vHplusv": b.truncated.estimate, "vHplusv_interval": [b.truncated.interval.lowerBound, b.truncated.interval.upperBound],
                 "lanczos_steps": b.truncated.steps, "top_eigenvalues": b.top.values, "top_residuals": b.top.residuals, "hvps": b.applications]
            }
            print(JSONText.render(out), terminator: "")
            return
        }
        print("loss (\(split), \(batch.batch) x \(batch.length) tokens): \(loss)\n")
        print("| tensor | gradient norm |\n|---|---:|")
        for (name, norm) in gradientNorms { print("| \(name) | \(String(format: "%.6e", norm)) |") }
        print("\n| block | parameters | v^T H v | v^T H^+ v (Lanczos) | certified interval | Lanczos steps | top eigenvalues | HVPs |")
        print("|---|---:|---:|---:|---|---:|---|---:|")
        for b in blocks {
            let interval = String(format: "[%.6e, %.6e]", b.truncated.interval.lowerBound, b.truncated.interval.upperBound)
            let eig = b.top.values.map { String(format: "%.4e", $0) }.joined(separator: ", ")
            print("| \(b.block.name) | \(b.block.range.count) | \(String(format: "%.6e", b.raw)) | \(String(format: "%.6e", b.truncated.estimate)) | \(interval) | \(b.truncated.steps) | \(eig) | \(b.applications) |")
        }
    }
}
