import _Files
import ArgumentParser
import Models

/// The training and test samples of the commands that measure a checkpoint against its data.
struct TrainTestTokens: ParsableArguments {
    @Option(help: "Token data: a JSON object of named batches (tokens.json layout), or with --context a flat uint16 file of training sequences.")
    var tokens: String

    @Option(help: "The JSON batch of training samples.")
    var trainSplit = "train"

    @Option(help: "The JSON batch of test samples.")
    var testSplit = "test"

    @Option(help: "With --context: a flat uint16 file of test sequences.")
    var testTokens: String?

    @Option(parsing: .unconditional, help: "Read the token files as flat little-endian uint16 cut into sequences of this length.")
    var context: Int?

    func validate() throws {
        if context != nil && testTokens == nil { throw ValidationError("--context needs --test-tokens for the test sequences") }
        if let context, context < 2 { throw ValidationError("--context must be at least 2") }
    }

    /// Both batches, checked against the model's vocabulary and context.
    func load(for config: GPT2Config) throws -> (train: TokenBatch, test: TokenBatch) {
        try load(for: ModelDescription(config))
    }

    func load(for model: ModelDescription) throws -> (train: TokenBatch, test: TokenBatch) {
        (try TokenFile.read(path: tokens, split: trainSplit, context: context, for: model),
         try TokenFile.read(path: testTokens ?? tokens, split: testSplit, context: context, for: model))
    }
}

/// The probe samples over which a Hessian term's maximum runs: drawn from the data distribution apart
/// from the training samples (Theorem 2's max over D). Default: the test split.
struct ProbeTokens: ParsableArguments {
    @Option(help: "The JSON batch of probe samples h_i takes its maximum over (default: the test split).")
    var probeSplit: String?

    @Option(help: "With --context: a flat uint16 file of probe sequences (default: the test sequences).")
    var probeTokens: String?

    func validate() throws {
        if probeSplit != nil && probeTokens != nil { throw ValidationError("give --probe-split or --probe-tokens, not both") }
    }

    /// The probes read as `data` reads its splits, and where they came from in words; nil for the test split.
    func load(_ data: TrainTestTokens, for model: ModelDescription) throws -> (batch: TokenBatch, source: String)? {
        if let probeTokens {
            guard data.context != nil else { throw ValidationError("--probe-tokens needs --context (binary token files)") }
            return (try TokenFile.read(path: probeTokens, split: "", context: data.context, for: model), "the sequences of `\(probeTokens)`")
        }
        if let probeSplit {
            guard data.context == nil else { throw ValidationError("--probe-split names a JSON batch; with --context give --probe-tokens") }
            return (try TokenFile.read(path: data.tokens, split: probeSplit, for: model), "the \"\(probeSplit)\" split")
        }
        return nil
    }
}

/// One batch of token sequences, for the commands that measure a checkpoint on a single batch.
struct BatchTokens: ParsableArguments {
    @Option(help: "Token batches: a JSON object of named arrays of equal-length token-id sequences (tokens.json layout).")
    var tokens: String

    @Option(help: "Which batch of a JSON tokens file.")
    var split = "train"

    @Option(parsing: .unconditional, help: "Read --tokens as a flat little-endian uint16 file cut into sequences of this length.")
    var context: Int?

    func validate() throws {
        if let context, context < 2 { throw ValidationError("--context must be at least 2") }
    }

    /// The batch, checked against the model's vocabulary and context.
    func load(for config: GPT2Config) throws -> TokenBatch {
        try load(for: ModelDescription(config))
    }

    func load(for model: ModelDescription) throws -> TokenBatch {
        try TokenFile.read(path: tokens, split: split, context: context, for: model)
    }

    /// How reports name the batch.
    var name: String { context == nil ? split : "binary tokens" }
}
