import _Files

/// A causal LM's architecture as a report states it and token files are checked against it: the family
/// (transformers' `model_type`: "gpt2", "llama", "gpt_neox", …), depth, width, heads, context and vocabulary.
/// The native engine's from a `GPT2Config`; any other from what the PyTorch worker reads in `config.json`.
public struct ModelDescription: Sendable, Hashable {
    public var family: String
    public var layers: Int
    public var width: Int
    public var heads: Int?
    /// The longest sequence the model takes, when its config states one, and the config's name for it.
    public var context: Int?
    public var contextName: String
    public var vocabulary: Int

    public init(family: String, layers: Int, width: Int, heads: Int?, context: Int?, contextName: String = "max_position_embeddings",
                vocabulary: Int) {
        (self.family, self.layers, self.width, self.heads) = (family, layers, width, heads)
        (self.context, self.contextName, self.vocabulary) = (context, contextName, vocabulary)
    }

    public init(_ config: GPT2Config) {
        self.init(family: "gpt2", layers: config.layers, width: config.channels, heads: config.heads, context: config.maxPositions,
                  contextName: "n_positions", vocabulary: config.vocabulary)
    }

    /// A batch the model can take: sequences no longer than its context (ids were checked against the
    /// vocabulary when read).
    public func check(_ batch: TokenBatch, source: String) throws(FileError) {
        if let context, batch.length > context {
            throw FileError(source, "sequences of \(batch.length) tokens are longer than the model's \(contextName) \(context)")
        }
    }
}
