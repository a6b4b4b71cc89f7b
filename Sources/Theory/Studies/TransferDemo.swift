import _Files
import Curves
import Foundation
import Models

/// The demo's experiment, made from nothing but a seed: GPT-2 candidates of different depth and width
/// pretrained on a synthetic source task (`SyntheticCorpus`), each fine-tuned on the shifted target
/// task at n = 1, 2, 4, … sequences and measured (`CandidateStudy`), then selected from the sizes up to
/// the budget against the truth at the largest (`CandidateSelection`). The pretrained checkpoints are
/// cached in a folder and reused when their settings match.
public struct TransferDemo: Sendable {
    /// One candidate: a name and an architecture (every candidate shares the vocabulary and context).
    public struct Candidate: Sendable {
        public var name: String
        public var config: GPT2Config
    }

    public var candidates: [Candidate]
    public var corpus: SyntheticCorpus
    /// Pretraining: AdamW steps on fresh source batches of `pretrainingBatch` sequences.
    public var pretrainingSteps: Int
    public var pretrainingBatch: Int
    public var pretrainingRate: Double
    public var study: CandidateStudy
    public var testSequences: Int
    /// Selection sees the sizes up to a budget, one selection per budget; the truth is at the largest size.
    public var budgets: [Int]
    public var seed: UInt64

    /// The full demo (`quick` false: n up to 1,024) or the small one the tests and CI run (n up to 64),
    /// each selecting at budgets of 1/8 (the benchmark's largest) and 1/4 of the largest size. Every
    /// candidate has the same vocabulary (64) and context (16 tokens), so they are scored on the same
    /// sequences.
    public static func standard(quick: Bool, seed: UInt64) -> TransferDemo {
        let context = 16, vocabulary = 64
        func gpt2(_ layers: Int, _ width: Int, heads: Int) -> Candidate {
            Candidate(name: "gpt2-l\(layers)-w\(width)",
                      config: GPT2Config(layers: layers, channels: width, heads: heads, maxPositions: context, vocabulary: vocabulary))
        }
        let candidates = quick ? [gpt2(1, 8, heads: 2), gpt2(1, 16, heads: 2), gpt2(2, 8, heads: 2), gpt2(2, 12, heads: 2)]
                               : [gpt2(1, 16, heads: 2), gpt2(2, 24, heads: 4), gpt2(1, 48, heads: 4), gpt2(3, 32, heads: 4)]
        let largest = quick ? 6 : 10
        let sizes = (0...largest).map { 1 << $0 }
        let measurement = CorollaryStudy(epsilon: 0.1, lossBound: nil, steps: quick ? 6 : 12, traceBudget: 3, seed: seed)
        let fineTuning = CorollaryStudy.FineTuningSettings(length: .epochs(4), batchSize: 8, learningRate: 1e-3, weightDecay: 0.01, float64: false)
        let study = CandidateStudy(measurement: measurement, fineTuning: fineTuning, sizes: sizes, probes: quick ? 8 : 32,
                                   densityProbes: quick ? 1 : 3, densitySteps: quick ? 10 : 30, densitySequences: quick ? 4 : 16)
        return TransferDemo(candidates: candidates, corpus: SyntheticCorpus(vocabulary: vocabulary, shift: 0.3, seed: seed),
                            pretrainingSteps: quick ? 150 : 600, pretrainingBatch: 16, pretrainingRate: 3e-3, study: study,
                            testSequences: quick ? 32 : 128, budgets: [sizes.last! / 8, sizes.last! / 4], seed: seed)
    }

    /// The target task's training pool (the first n of it fine-tune the pair at n) and test sequences.
    public var targetData: (pool: TokenBatch, test: TokenBatch) {
        let length = candidates[0].config.maxPositions, pool = max(study.sizes.last!, study.probes)
        return (corpus.sample(.target, count: pool, length: length, streamSeed: 1),
                corpus.sample(.target, count: testSequences, length: length, streamSeed: 2))
    }

    /// What the pretraining of a candidate depends on, and the checksum of the weights it gave, written
    /// beside its cached checkpoint: a cache whose settings differ, or whose weights were replaced
    /// since, is not used.
    func pretrainingStamp(_ candidate: Candidate, weights: Data) -> String {
        let c = candidate.config
        return "{\"weights_fnv1a64\": \"\(Checksum.fnv1a64(weights))\", \"layers\": \(c.layers), \"channels\": \(c.channels), \"heads\": \(c.heads), \"positions\": \(c.maxPositions), "
            + "\"vocabulary\": \(c.vocabulary), \"corpus_seed\": \(corpus.seed), \"shift\": \(corpus.shift), \"steps\": \(pretrainingSteps), "
            + "\"batch\": \(pretrainingBatch), \"rate\": \(pretrainingRate), \"seed\": \(seed)}\n"
    }

    /// The candidate pretrained on the source task, read from `directory` when a checkpoint with the
    /// same stamp is there, else trained (Float32 AdamW, seeded) and written there.
    /// - Returns: the checkpoint and whether it came from the cache.
    /// `progress` is told the pretraining steps done and in all.
    public func pretrained(_ candidate: Candidate, cache directory: String,
                           progress: ((_ done: Int, _ total: Int) -> Void)? = nil) throws -> (parameters: GPT2Parameters, cached: Bool) {
        if let weights = try? Data(contentsOf: URL(fileURLWithPath: "\(directory)/model.safetensors")),
           (try? String(contentsOfFile: "\(directory)/pretraining.json", encoding: .utf8)) == pretrainingStamp(candidate, weights: weights),
           let parameters = try? GPT2Parameters.load(directory: directory), parameters.config == candidate.config {
            return (parameters, true)
        }
        let run = SyntheticTransfer(config: candidate.config, corpus: corpus, batchSize: pretrainingBatch, pretrainingSteps: pretrainingSteps,
                                    fineTuningSteps: 0, pretrainingRate: pretrainingRate, fineTuningRate: pretrainingRate, seed: seed).run(progress: progress)
        guard run.pretrainingLosses.allSatisfy(\.isFinite) else {
            throw FileError(directory, "pretraining \(candidate.name) diverged (a non-finite loss); nothing was cached")
        }
        try run.pretrained.save(directory: directory) { ["pretraining.json": pretrainingStamp(candidate, weights: $0)] }
        // Read back what was written, so that a run from the cache and a fresh run see the same bytes.
        return (try GPT2Parameters.load(directory: directory), false)
    }

    /// One candidate through the demo: pretrained (`pretrained(_:cache:progress:)`, cached in
    /// `checkpoints/folder/pretrained`), fine-tuned and measured at every size (`study`), refused when a
    /// loss is not finite (`CandidateStudy.Result.requireFinite`), and each fine-tuned checkpoint saved
    /// as `checkpoints/folder/n<n>`. The two progress callbacks are told pretraining steps and the
    /// study's single-sequence HVP-equivalents.
    public func run(_ candidate: Candidate, pool: TokenBatch, test: TokenBatch, checkpoints: String, folder: String,
                    pretraining: ((_ done: Int, _ total: Int) -> Void)? = nil,
                    measuring: ((_ done: Int, _ total: Int) -> Void)? = nil) throws -> (result: CandidateStudy.Result, cached: Bool) {
        let (parameters, cached) = try pretrained(candidate, cache: "\(checkpoints)/\(folder)/pretrained", progress: pretraining)
        var saved: [(Int, GPT2Parameters)] = []
        let result = try study.run(name: candidate.name, pretrained: parameters, pool: pool, test: test, progress: measuring,
                                   keep: { n, p in saved.append((n, p)) })
        try result.requireFinite()
        for (n, tuned) in saved { try tuned.save(directory: "\(checkpoints)/\(folder)/n\(n)") }
        return (result, cached)
    }

    /// The manifest of the measured candidates (`lens report --manifest` reads it): paths relative to
    /// the checkpoints' folder, `folder(name)/pretrained` and `folder(name)/n<n>` as the demo saves them.
    public func manifest(_ results: [CandidateStudy.Result], tokens: String, folder: (String) -> String) -> CandidateManifest {
        let m = study.measurement
        return CandidateManifest(
            tokens: tokens, learningRate: study.fineTuning.learningRate, budgets: budgets,
            measurement: .init(epsilon: m.epsilon, lanczosSteps: m.steps, traceBudget: m.traceBudget, probes: study.probes,
                               densityProbes: study.densityProbes, densitySteps: study.densitySteps, densitySequences: study.densitySequences, seed: m.seed),
            candidates: results.map { r in
                CandidateManifest.Candidate(name: r.name, pretrained: "\(folder(r.name))/pretrained", finetuned: r.corollary.checkpoints.map { k in
                    let run = k.fineTuning!
                    return CandidateManifest.FineTuned(n: k.n, checkpoint: "\(folder(r.name))/n\(k.n)", steps: run.steps, batchSize: run.batchSize,
                                                      firstLoss: run.firstLoss.isFinite ? run.firstLoss : nil,
                                                      lastLoss: run.lastLoss.isFinite ? run.lastLoss : nil)
                })
            })
    }
}
