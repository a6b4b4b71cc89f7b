import Curves
import Foundation

let set = try CurveFile.read(path: CommandLine.arguments[1])
let entries = try BenchmarkProtocol().run(set, dataset: "x", methods: SelectionMethod.allCases)
for m in SelectionMethod.allCases {
    let rows = entries.filter { $0.method == m }
    let p = rows.map { String(format: "%6.1f", $0.metrics.pearson) }.joined(separator: " ")
    let r = rows.map { String(format: "%6.1f", $0.metrics.relativeAccuracy) }.joined(separator: " ")
    let avg = rows.map(\.metrics.pearson).reduce(0, +) / Double(rows.count)
    print(m.rawValue.padding(toLength: 10, withPad: " ", startingAt: 0), p, String(format: "| avg %5.1f", avg), "|", r)
}
