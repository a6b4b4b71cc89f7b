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
        (try TokenFile.read(path: tokens, split: trainSplit, context: context, for: config),
         try TokenFile.read(path: testTokens ?? tokens, split: testSplit, context: context, for: config))
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
        try TokenFile.read(path: tokens, split: split, context: context, for: config)
    }

    /// How reports name the batch.
    var name: String { context == nil ? split : "binary tokens" }
}
