import LinearAlgebra

/// How well a selection method did against the true losses at the target size
/// (Lin et al. 2024, Sec. 5; the benchmark README's definitions).
public struct SelectionMetrics: Sendable, Equatable {
    /// Pearson correlation (×100) between the method's scores and the true target losses.
    public var pearson: Double
    /// (worst true loss − true loss of the selected model) / (worst − best), ×100.
    public var relativeAccuracy: Double
    public var selected: Int

    public init(scores: [Double], ranks: [Double], trueLosses: [Double]) {
        pearson = 100 * Statistics.pearson(scores, trueLosses)
        selected = bestIndex(ranks)
        let worst = trueLosses.max()!, best = trueLosses.min()!
        relativeAccuracy = 100 * (worst - trueLosses[selected]) / (worst - best)
    }
}
