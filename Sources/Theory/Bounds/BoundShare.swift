import _Files
import Foundation
import Hessian
import Models

/// One share of a sharded `lens bound` run, as the JSON file each shard writes and `lens bound --merge`
/// reads. Per-sample, per-block forms are independent: shard k of N measures the jobs of
/// `HessianTerms.measure(…, shard:)` (every N-th sample, and every N-th of the batch mean's block groups)
/// over the probes and over the training samples; the losses are cheap and every share carries them.
/// Merged, the shares give exactly the unsharded bound (`merge`): the same forms, assembled by the same code.
///
/// A share names what it was measured on by content, not by path (shards may run on machines that mount
/// the files elsewhere): checksums of v and of the token batches, and the settings; `merge` refuses shares
/// that differ in any of them.
public struct BoundShare: Codable, Sendable, Equatable {
    public static let format = "lens-bound-share/1"
    public var format: String
    /// k (1-based) of `shards`.
    public var shard: Int
    public var shards: Int
    /// What every share of one run has in common.
    public var run: Run
    /// The command that made this share, for the merged report's provenance.
    public var command: String
    /// Each training and test sequence's loss before clipping (every share measures them all).
    public var trainLosses: [Double]
    public var testLosses: [Double]
    public var probeForms: [Form]
    public var trainingForms: [Form]

    public struct Run: Codable, Sendable, Equatable {
        public var n: Int
        public var epsilon: Double
        public var lossBound: Double?
        public var steps: Int
        public var tolerance: Double
        public var probeSource: String
        public var vocabulary: Int
        public var blocks: [Block]
        /// FNV-1a of v's Float64 bytes, and of the training, test and probe batches' tokens and shapes.
        public var directionChecksum: String
        public var tokenChecksums: [String]
        public var probes: Int
        public var trainingSamples: Int
        /// The engine's caveats (`ModelEngine.caveats`): shares of one run computed alike.
        public var caveats: [String]
    }

    public struct Block: Codable, Sendable, Equatable {
        public var name: String
        public var start: Int, end: Int
    }

    /// A `HessianTerms.MeasuredForm`, every field kept (Double written in its shortest round-trip form).
    public struct Form: Codable, Sendable, Equatable {
        public var sample: Int?
        public var block: Int
        public var estimate: Double, lower: Double, upper: Double, raw: Double, vectorNorm: Double, residualNorm: Double
        public var steps: Int, applications: Int
        public var stop: String

        init(_ m: HessianTerms.MeasuredForm) {
            let f = m.form
            (sample, block, estimate, lower, upper, raw) = (m.sample, m.block, f.estimate, f.interval.lowerBound, f.interval.upperBound, f.raw)
            (vectorNorm, residualNorm, steps, applications) = (f.vectorNorm, f.residualNorm, f.steps, f.applications)
            stop = switch f.stop { case .tolerance: "tolerance"; case .stepCap: "step-cap"; case .invariant: "invariant" }
        }

        func measured(in path: String) throws(FileError) -> HessianTerms.MeasuredForm {
            let stops: [String: QuadraticForm.Stop] = ["tolerance": .tolerance, "step-cap": .stepCap, "invariant": .invariant]
            guard let stop = stops[stop], lower <= upper else {
                throw FileError(path, "a form of block \(block) has stop \"\(self.stop)\" and interval [\(lower), \(upper)]; expected a stop of "
                                + "tolerance, step-cap or invariant and lower <= upper")
            }
            return HessianTerms.MeasuredForm(sample: sample, block: block, form: QuadraticForm(
                estimate: estimate, interval: lower...upper, raw: raw, vectorNorm: vectorNorm, steps: steps, applications: applications,
                residualNorm: residualNorm, stop: stop))
        }
    }

    /// Measures share `shard` (1-based) of `shards` of `GeneralizationBound.evaluate` with `compareTraining`
    /// and without screening: the losses, and this share's forms over the probes and the training samples.
    /// - Complexity: about 1/`shards` of the unsharded run's forms, and its forward passes.
    public static func measure<Engine: ModelEngine>(shard: Int, of shards: Int, direction: [Double], engine: Engine, train: TokenBatch, test: TokenBatch,
                                                    probes: TokenBatch?, probeSource: String, n: Int?, epsilon: Double, lossBound: Double?,
                                                    steps: Int, tolerance: Double, command: String,
                                                    progress: ((_ done: Int, _ total: Int) -> Void)? = nil) throws(Engine.Failure) -> BoundShare {
        precondition((1...shards).contains(shard), "a shard k in 1...N")
        let part = HessianTerms.Shard(index: shard - 1, count: shards)
        let probeBatch = probes ?? test
        let blocks = engine.blocks.count
        let share = { (samples: Int) in (0..<samples + 1).filter { $0 % shards == part.index }.count }  // jobs: samples, then batch-mean groups
        var probeTotal = 0
        let probeForms = try HessianTerms.measure(direction: direction, engine: engine, samples: probeBatch, steps: steps, tolerance: tolerance,
                                                  shard: part) { done, total in
            probeTotal = total
            progress?(done, total + share(train.batch) * blocks)
        }
        let trainingForms = try HessianTerms.measure(direction: direction, engine: engine, samples: train, steps: steps, tolerance: tolerance,
                                                     shard: part) { done, total in
            progress?(probeTotal + done, probeTotal + total)
        }
        let run = Run(n: n ?? train.batch, epsilon: epsilon, lossBound: lossBound, steps: steps, tolerance: tolerance, probeSource: probeSource,
                      vocabulary: engine.vocabulary,
                      blocks: engine.blocks.map { Block(name: $0.name, start: $0.range.lowerBound, end: $0.range.upperBound) },
                      directionChecksum: checksum(direction), tokenChecksums: [train, test, probeBatch].map(checksum),
                      probes: probeBatch.batch, trainingSamples: train.batch, caveats: engine.caveats)
        return BoundShare(format: format, shard: shard, shards: shards, run: run, command: command, trainLosses: try engine.losses(train),
                          testLosses: try engine.losses(test), probeForms: probeForms.map(Form.init), trainingForms: trainingForms.map(Form.init))
    }

    /// The bound of the run the shares make up, exactly as the unsharded `GeneralizationBound.evaluate`
    /// (`compareTraining`, no screening) gives it on the same machine (the losses are share 1's; shares
    /// measured on CPUs whose BLAS kernels round differently agree with it to rounding). `paths` name the
    /// shares' files for errors.
    /// - Throws: `FileError` naming a share that is missing, repeated, or of another run, and why.
    public static func merge(_ shares: [BoundShare], paths: [String]) throws(FileError) -> GeneralizationBound {
        precondition(shares.count == paths.count && !shares.isEmpty)
        let first = shares[0], N = first.shards
        for (share, path) in zip(shares, paths) {
            guard share.shards == N else { throw FileError(path, "share \(share.shard) of \(share.shards), but \(paths[0]) is of \(N)") }
            guard share.run == first.run else {
                throw FileError(path, "a share of another run than \(paths[0]): the checkpoints, the token files or the settings differ")
            }
        }
        let have = shares.map(\.shard)
        if let missing = (1...N).first(where: { !have.contains($0) }) {
            throw FileError(paths[0], "share \(missing) of \(N) is missing from the shares given (\(have.sorted().map(String.init).joined(separator: ", ")))")
        }
        if let twice = have.first(where: { k in have.filter { $0 == k }.count > 1 }) {
            throw FileError(paths[have.firstIndex(of: twice)!], "share \(twice) of \(N) is given twice")
        }
        var probeForms: [HessianTerms.MeasuredForm] = [], trainingForms: [HessianTerms.MeasuredForm] = []
        for (share, path) in zip(shares, paths) {
            for form in share.probeForms { probeForms.append(try form.measured(in: path)) }
            for form in share.trainingForms { trainingForms.append(try form.measured(in: path)) }
        }
        let run = first.run, losses = shares.min { $0.shard < $1.shard }!
        let blocks = run.blocks.map { ParameterBlock(name: $0.name, range: $0.start..<$0.end) }
        do {
            let terms = try HessianTerms.assemble(probeForms, blocks: blocks, samples: run.probes, steps: run.steps, tolerance: run.tolerance)
            let training = try HessianTerms.assemble(trainingForms, blocks: blocks, samples: run.trainingSamples, steps: run.steps, tolerance: run.tolerance)
            return GeneralizationBound(losses: (losses.trainLosses, losses.testLosses), vocabulary: run.vocabulary, n: run.n, epsilon: run.epsilon,
                                       lossBound: run.lossBound, terms: terms, probeSource: run.probeSource, trainingTerms: training,
                                       caveats: run.caveats)
        } catch {
            throw FileError(paths[0], "the shares do not make one run: \(error)")
        }
    }

    /// Reads a share written by `lens bound --shard`.
    public static func read(path: String) throws(FileError) -> BoundShare {
        let share = try JSON.decode(BoundShare.self, path: path, kind: "a `lens bound --shard` share", realKeys: [
            "epsilon", "lossBound", "tolerance", "trainLosses", "testLosses", "estimate", "lower", "upper", "raw", "vectorNorm", "residualNorm",
        ])
        guard share.format == format else { throw FileError(path, "format \"\(share.format)\"; expected \"\(format)\"") }
        guard share.shards >= 1, (1...share.shards).contains(share.shard) else {
            throw FileError(path, "share \(share.shard) of \(share.shards); expected 1 <= k <= N")
        }
        return share
    }

    /// The file name shard k of N writes: bound-share-k-of-N.json.
    public static func fileName(shard: Int, of shards: Int) -> String { "bound-share-\(shard)-of-\(shards).json" }

    static func checksum(_ v: [Double]) -> String { v.withUnsafeBytes { Checksum.fnv1a64(Data($0)) } }

    static func checksum(_ batch: TokenBatch) -> String {
        Checksum.fnv1a64(Data("\(batch.batch)x\(batch.length):".utf8) + batch.tokens.withUnsafeBytes { Data($0) })
    }
}
