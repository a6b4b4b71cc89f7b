import Foundation
import Testing

/// `lens bound` takes h_i over probe samples of the data distribution (issue 20): a named split, the
/// test split by default, with the training samples' maximum beside it.
extension CommandLineTests {
    @Test func boundTakesHOverTheProbeSplitWithTheTrainingMaximumBeside() throws {
        let dir = try corollaryInputs()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let tuned = try lens("finetune", "--from", dir + "/pretrained", "--tokens", dir + "/target.json", "--steps", "3", "--lr", "0.01", "--out", dir + "/tuned")
        #expect(tuned.status == 0, "\(tuned.stderr)")
        var splits = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/target.json"))) as? [String: Any])
        let train = try #require(splits["train"] as? [[Int]])
        splits["train"] = Array(train.prefix(3))
        splits["probe"] = Array(train.suffix(5))
        try JSONSerialization.data(withJSONObject: splits).write(to: URL(fileURLWithPath: dir + "/probes.json"))
        let base = ["bound", "--pretrained", dir + "/pretrained", "--finetuned", dir + "/tuned", "--tokens", dir + "/probes.json", "--steps", "8", "--json"]
        for (extra, probes, source) in [(["--probe-split", "probe"], 5, "the \"probe\" split"), ([], 4, "the test split")] {
            let run = try lens(base + extra)
            #expect(run.status == 0, "\(run.stderr)")
            let json = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
            #expect(json["samples"] as? Int == probes && json["probe_source"] as? String == source, "\(json["probe_source"] ?? "")")
            let training = try #require(json["training"] as? [String: Any])
            #expect(training["samples"] as? Int == 3)
            let blocks = try #require(json["blocks"] as? [[String: Any]])
            #expect(blocks.allSatisfy { ($0["per_sample"] as? [Any])?.count == probes && ($0["interval"] as? [Double])?.count == 2 })
            #expect((json["running_hessian_sum"] as? [Double])?.count == probes)
        }
        expectOneLineError(try lens(base + ["--probe-split", "none"]), containing: "no split \"none\"")
    }
}
