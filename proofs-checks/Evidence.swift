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

    var studyDescription: String {
        let s = study
        return "the toolkit's own GPT-2 (\(s.config.layers) layer(s), width \(s.config.channels), vocabulary \(s.config.vocabulary)), "
            + "pretrained \(s.pretrainingSteps) AdamW steps on the synthetic source task, fine-tuned \(s.fineTuningSteps) steps on the first n "
            + "sequences of the shifted target task, n = \(s.sizes.map(String.init).joined(separator: ", ")); \(s.testSequences) held-out test "
            + "sequences; \(s.lanczosSteps) Lanczos steps per Hessian form; seed 1"
    }

    /// The pretrained checkpoint and the target task's pool and test sequences.
    private(set) lazy var transfer: (pretrained: GPT2Parameters, pool: TokenBatch, test: TokenBatch) = {
        let s = study
        let corpus = SyntheticCorpus(vocabulary: s.config.vocabulary, seed: 1)
        let pretraining = SyntheticTransfer(config: s.config, corpus: corpus, batchSize: 8, pretrainingSteps: s.pretrainingSteps, fineTuningSteps: 0,
                                            pretrainingRate: 3e-3, fineTuningRate: 1e-3, seed: 1)
        let pretrained = pretraining.run().pretrained
        let pool = corpus.sample(.target, count: s.sizes.last!, length: s.config.maxPositions, streamSeed: 1)
        let test = corpus.sample(.target, count: s.testSequences, length: s.config.maxPositions, streamSeed: 2)
        return (pretrained, pool, test)
    }()

    /// Every size's pair measured: h_i, losses, the bound, block traces; and Corollary 1's fits.
    private(set) lazy var corollary: CorollaryOne = {
        let s = study, (pretrained, pool, test) = transfer
        let progress = ProgressLine("toolkit GPT-2s across n (single-sequence HVP-equivalents)")
        defer { progress.finish() }
        do {
            return try CorollaryStudy(epsilon: 0.1, lossBound: nil, steps: s.lanczosSteps, traceBudget: s.traceBudget, seed: 1)
                .run(pretrained: pretrained, pool: pool, test: test, sizes: s.sizes,
                     fineTuning: .init(length: .steps(s.fineTuningSteps), batchSize: 8, learningRate: 1e-3, weightDecay: 0.01, float64: false),
                     progress: progress.update, keep: { n, parameters in self.finetuned[n] = parameters })
        } catch {
            // The checks' own fixed settings diverging is a defect of the checks, not a verdict.
            StandardError.write("Error: the checks' fine-tuning runs diverged: \(error)\n")
            exit(1)
        }
    }()

    /// The fine-tuned checkpoint at each size of `corollary` (filled when it is made).
    private(set) var finetuned: [Int: GPT2Parameters] = [:]

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
        benchmarkEntries.flatMap { entries in
            do { return .success(try BenchmarkProtocol().predictionAccuracy(directory: benchmark!, entries: entries)) } catch {
                return .failure(Unavailable(reason: "predictive accuracy did not run: \(error)"))
            }
        }
    }()
}
