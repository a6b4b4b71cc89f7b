/// The numbers Lin et al. 2024 published for the Rectified Scaling Law benchmark (percent; the
/// benchmark README's tables), by data set, method and budget ratio 1/8 .. 1/512. Reference
/// values to compare against, never used to compute anything.
public enum PublishedResults {
    public struct Row: Sendable {
        public var dataset: String
        public var method: SelectionMethod
        public var pearson: [Double]
        public var relativeAccuracy: [Double]
    }

    public static let rows: [Row] = [
        Row(dataset: "flan", method: .ats, pearson: [90.9, 73.1, 65.5, 61.1, 52.2, 50.5, 45.6],
            relativeAccuracy: [93.6, 93.2, 93.2, 93.2, 85.3, 93.2, 93.2]),
        Row(dataset: "flan", method: .zeroshot, pearson: Array(repeating: -10.7, count: 7),
            relativeAccuracy: Array(repeating: 85.3, count: 7)),
        Row(dataset: "flan", method: .subtuning, pearson: [60.9, 46.5, 36.4, 29.0, 24.6, 20.9, 16.4],
            relativeAccuracy: [93.2, 93.2, 93.2, 93.2, 59.6, 59.6, 59.6]),
        Row(dataset: "flan", method: .modelsize, pearson: Array(repeating: -20.9, count: 7),
            relativeAccuracy: Array(repeating: 59.6, count: 7)),
        Row(dataset: "gigaword", method: .ats, pearson: [98.9, 97.6, 96.9, 92.0, 91.1, 89.1, 91.0],
            relativeAccuracy: [100.0, 91.4, 94.3, 100.0, 94.3, 94.3, 91.4]),
        Row(dataset: "gigaword", method: .zeroshot, pearson: Array(repeating: -49.2, count: 7),
            relativeAccuracy: Array(repeating: 71.3, count: 7)),
        Row(dataset: "gigaword", method: .subtuning, pearson: [93.2, 89.3, 85.4, 80.9, 76.2, 69.9, 64.8],
            relativeAccuracy: [87.6, 87.6, 87.6, 71.3, 71.3, 71.3, 71.3]),
        Row(dataset: "gigaword", method: .modelsize, pearson: Array(repeating: -24.4, count: 7),
            relativeAccuracy: Array(repeating: 71.3, count: 7)),
    ]

    /// The rectified law ("OurFit") PearCorr averaged over the seven budgets, as published.
    public static let rectifiedAveragePearson: [String: Double] = ["flan": 54.3, "gigaword": 86.2]

    public static func row(dataset: String, method: SelectionMethod) -> Row? {
        rows.first { $0.dataset == dataset && $0.method == method }
    }
}
