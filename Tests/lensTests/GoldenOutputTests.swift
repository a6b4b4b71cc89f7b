import Curves
import Foundation
import TestSupport
import Testing

/// Issue 21, part 5: commands' stdout compared with golden files byte for byte (`Golden`), as
/// swift-argument-parser tests its own help. The curves are the demo's (`Tests/Fixtures/demo-curves.csv`,
/// four GPT-2 candidates fine-tuned at n = 0..1,024).
extension CommandLineTests {
    static let curves = "Tests/Fixtures/demo-curves.csv"

    static let commands: [(golden: String, arguments: [String])] = [
        ("help.txt", ["--help"]),
        ("select-help.txt", ["select", "--help"]),
        ("fit-help.txt", ["fit", "--help"]),
        ("transition-help.txt", ["transition", "--help"]),
        ("select.md", ["select", curves, "--budget", "128", "--target", "1024"]),
        ("select-ats.md", ["select", curves, "--budget", "128", "--target", "1024", "--method", "ats"]),
        ("select.json", ["select", curves, "--budget", "256", "--target", "1024", "--json"]),
        ("fit-lensllm.md", ["fit", curves, "--law", "lensllm"]),
        ("fit-vanilla.json", ["fit", curves, "--law", "vanilla", "--json"]),
        ("transition.md", ["transition", curves]),
        ("transition-broken.json", ["transition", curves, "--method", "broken", "--json"]),
    ]

    @Test(arguments: commands.indices)
    func commandOutputEqualsItsGolden(index: Int) throws {
        let (golden, arguments) = Self.commands[index]
        let run = try lens(arguments)
        #expect(run.status == 0, "\(run.stderr)")
        let mismatch = Golden.mismatch(run.stdout, "cli/" + golden)
        #expect(mismatch == nil, "lens \(arguments.joined(separator: " ")): \(mismatch ?? "")")
    }
}

extension CommandLineTests {
    /// The selection benchmark run twice, as two processes, on two synthetic data sets: the same bytes.
    @Test func benchmarkIsByteIdenticalAcrossProcesses() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lens-benchmark-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        for (name, seed) in [("first", 9), ("second", 10)] as [(String, UInt64)] {
            try SyntheticCurves.wideCSV(SyntheticCurves.candidates(count: 6, seed: seed)).write(toFile: "\(dir)/\(name).csv", atomically: true, encoding: .utf8)
        }
        let (one, two) = (try lens(["benchmark", dir, "--json"]), try lens(["benchmark", dir, "--json"]))
        #expect(one.status == 0 && two.status == 0, "\(one.stderr)\(two.stderr)")
        #expect(!one.stdout.isEmpty && one.stdout == two.stdout)
    }
}
