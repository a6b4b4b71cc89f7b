import Curves
import Foundation
import _Files
import Models
import Reports
import Theory

/// The measurements the checks share, each made once when first asked for: the toolkit's own
/// fine-tuned GPT-2s across data sizes (Corollary 1's study), and the public benchmark's curves.
final class Evidence {
    let quick: Bool
    /// The Rectified Scaling Law benchmark directory, if present.
    let benchmark: String?
    /// The PyTorch GPT-2 fixture directory, if present.
    let fixture: String?

    init(quick: Bool, benchmark: String?, fixture: String?) {
        (self.quick, self.benchmark, self.fixture) = (quick, benchmark, fixture)
    }

    /// The study's settings: a tiny GPT-2 pretrained on the synthetic source task, fine-tuned on the
    /// shifted target task at each size n (the settings of scripts/make-corollary-report in the full run).
    struct Study {
        var config: GPT2Config
        var pretrainingSteps: Int
        var sizes: [Int]
        var fineTuningSteps: Int
        var lanczosSteps: Int
        var traceBudget: Int
        var testSequences: Int
    }

    var study: Study {
        quick ? Study(config: GPT2Config(layers: 1, channels: 16, heads: 2, maxPositions: 16, vocabulary: 32), pretrainingSteps: 150,
                      sizes: [4, 8, 16, 32, 64], fineTuningSteps: 60, lanczosSteps: 12, traceBudget: 9, testSequences: 32)
              : Study(config: GPT2Config(layers: 2, channels: 32, heads: 4, maxPositions: 32, vocabulary: 64), pretrainingSteps: 300,
                      sizes: [8, 16, 32, 64, 128, 256], fineTuningSteps: 200, lanczosSteps: 60, traceBudget: 30, testSequences: 64)
    }

    /// The replicates' seeds: each draws its own training pool from the target task and fine-tunes with its
    /// own batch order; the pretrained checkpoint and the probe set (the test sequences) are shared, so h_i
    /// is a maximum over one fixed probe set at every n and seed.
    static let seeds: [UInt64] = [1, 2, 3]
    /// The probe (test) set's sample stream, apart from every seed's pool.
    static let probeStream: UInt64 = 1_000

    var studyDescription: String {
        let s = study
        return "the toolkit's own GPT-2 (\(s.config.layers) layer(s), width \(s.config.channels), vocabulary \(s.config.vocabulary)), "
            + "pretrained \(s.pretrainingSteps) AdamW steps on the synthetic source task, fine-tuned \(s.fineTuningSteps) steps on the first n "
            + "sequences of the shifted target task, n = \(s.sizes.map(String.init).joined(separator: ", ")); seeds \(Self.seeds.map(String.init).joined(separator: ", ")) "
            + "(each its own training pool and batch order); one probe set of \(s.testSequences) held-out test sequences for every n and seed; "
            + "each Hessian form certified to \(Int(100 * HessianTerms.defaultTolerance))% or \(s.lanczosSteps) Lanczos steps"
    }

    /// The pretrained checkpoint, the target task's corpus and the probe (test) sequences, shared by the replicates.
    private(set) lazy var transfer: (pretrained: GPT2Parameters, corpus: SyntheticCorpus, test: TokenBatch) = {
        let s = study
        let corpus = SyntheticCorpus(vocabulary: s.config.vocabulary, seed: 1)
        let pretraining = SyntheticTransfer(config: s.config, corpus: corpus, batchSize: 8, pretrainingSteps: s.pretrainingSteps, fineTuningSteps: 0,
                                            pretrainingRate: 3e-3, fineTuningRate: 1e-3, seed: 1)
        let pretrained = pretraining.run().pretrained
        let test = corpus.sample(.target, count: s.testSequences, length: s.config.maxPositions, streamSeed: Self.probeStream)
        return (pretrained, corpus, test)
    }()

    /// One replicate of the study: its seed, training pool, every size's pair measured (h_i, losses, the
    /// bound, block traces, Corollary 1's fits) and the fine-tuned checkpoint at each size.
    struct Replicate {
        var seed: UInt64
        var pool: TokenBatch
        var corollary: CorollaryOne
        var finetuned: [Int: GPT2Parameters]
    }

    /// The study at every seed.
    private(set) lazy var replicates: [Replicate] = Self.seeds.map(replicate)

    /// The first replicate's study (the checks that need one study, and the measured lines of seed 1).
    var corollary: CorollaryOne { replicates[0].corollary }

    private func replicate(seed: UInt64) -> Replicate {
        let s = study, (pretrained, corpus, test) = transfer
        let pool = corpus.sample(.target, count: s.sizes.last!, length: s.config.maxPositions, streamSeed: seed)
        let progress = ProgressLine("toolkit GPT-2s across n, seed \(seed) of \(Self.seeds.count) (single-sequence HVP-equivalents)")
        defer { progress.finish() }
        var finetuned: [Int: GPT2Parameters] = [:]
        do {
            let corollary = try CorollaryStudy(epsilon: 0.1, lossBound: nil, steps: s.lanczosSteps, traceBudget: s.traceBudget, seed: seed)
                .run(pretrained: pretrained, pool: pool, test: test, sizes: s.sizes,
                     fineTuning: .init(length: .steps(s.fineTuningSteps), batchSize: 8, learningRate: 1e-3, weightDecay: 0.01, float64: false),
                     progress: progress.update, keep: { n, parameters in finetuned[n] = parameters })
            return Replicate(seed: seed, pool: pool, corollary: corollary, finetuned: finetuned)
        } catch {
            // The checks' own fixed settings diverging is a defect of the checks, not a verdict.
            StandardError.write("Error: the checks' fine-tuning runs diverged at seed \(seed): \(error)\n")
            exit(1)
        }
    }

    /// Why the benchmark's checks cannot run: absent, or failed with the error.
    struct Unavailable: Error { var reason: String }

    /// The benchmark under its protocol (lensllm's design chosen leaving one data set out).
    private(set) lazy var benchmarkEntries: Result<[BenchmarkEntry], Unavailable> = {
        guard let benchmark else {
            return .failure(Unavailable(reason: "the benchmark CSVs are absent; put the Rectified Scaling Law benchmark at ../shared/benchmarks/rectified-scaling-law or pass --benchmark DIR"))
        }
        do { return .success(try BenchmarkProtocol().run(directory: benchmark, methods: SelectionMethod.allCases)) } catch {
            return .failure(Unavailable(reason: "the benchmark did not run: \(error)"))
        }
    }()

    /// Predictive accuracy (the paper's Table 2) on the benchmark.
    private(set) lazy var predictionAccuracy: Result<[PredictionAccuracy], Unavailable> = {
        benchmarkEntries.flatMap { _ in
            do { return .success(try BenchmarkProtocol().predictionAccuracy(directory: benchmark!)) } catch {
                return .failure(Unavailable(reason: "predictive accuracy did not run: \(error)"))
            }
        }
    }()
}
