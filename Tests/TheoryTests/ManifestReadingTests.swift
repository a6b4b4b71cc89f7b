import _Files
import Foundation
import Models
import Testing
@testable import Theory

/// Issue 19, classes 3 and 4: manifests read as written, and their defects named as they are.
struct ManifestReadingTests {
    // A Corollary 1 manifest written on Windows (CRLF) reads as the same manifest with LF.
    @Test func corollaryManifestReadsCRLFAsLF() throws {
        let lf = try CorollaryManifest.parse(Data("n,finetuned\n8,runs/n8\n16,/abs/n16\n".utf8), path: "/m/manifest.csv")
        let crlf = try CorollaryManifest.parse(Data("n,finetuned\r\n8,runs/n8\r\n16,/abs/n16\r\n".utf8), path: "/m/manifest.csv")
        #expect(crlf.entries.map(\.n) == [8, 16] && crlf.entries.map(\.finetuned) == ["/m/runs/n8", "/abs/n16"])
        #expect(lf.entries.map(\.finetuned) == crlf.entries.map(\.finetuned))
    }

    // A number that does not fit a count names its field; a top-level array is said to be one.
    @Test func candidateManifestDefectsNameTheirField() throws {
        let valid = """
            {"tokens": "t.json", "learning_rate": 0.001, "budgets": [1],
             "measurement": {"epsilon": 0.1, "lanczos_steps": 4, "trace_budget": 3, "probes": 2, "density_probes": 1, "density_steps": 4, "density_sequences": 2, "seed": 1},
             "candidates": [{"name": "a", "pretrained": "a", "finetuned": [{"n": 1, "checkpoint": "a1", "steps": 2, "batch_size": 1}, {"n": 4, "checkpoint": "a4", "steps": 2, "batch_size": 1}]},
                            {"name": "b", "pretrained": "b", "finetuned": [{"n": 1, "checkpoint": "b1", "steps": 2, "batch_size": 1}, {"n": 4, "checkpoint": "b4", "steps": 2, "batch_size": 1}]}]}
            """
        let manifest = try CandidateManifest.decode(Data(valid.utf8), path: "/m/manifest.json")
        #expect(manifest.sizes == [1, 4] && manifest.candidates[1].finetuned[1].checkpoint == "/m/b4")
        let cases = [
            (valid.replacingOccurrences(of: "\"seed\": 1", with: "\"seed\": -1"), "field \"measurement.seed\" is -1; it must be a non-negative integer"),
            (valid.replacingOccurrences(of: "{\"n\": 4, \"checkpoint\": \"b4\"", with: "{\"n\": 1.5, \"checkpoint\": \"b4\""),
             "field \"candidates[1].finetuned[1].n\" is 1.5; it must be a non-negative integer"),
            ("[1, 2]", "not a candidate manifest: expected a JSON object at the top level"),
        ]
        for (text, message) in cases {
            let error = #expect(throws: FileError.self) { try CandidateManifest.decode(Data(text.utf8), path: "m.json") }
            #expect(error?.message.contains(message) == true, "\(String(describing: error))")
        }
    }
}
