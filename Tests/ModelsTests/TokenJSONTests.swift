import _Files
import Foundation
import LinearAlgebra
import Models
import Testing

/// The one-pass JSON token reader against Foundation's JSON parser, which the toolkit used before it.
struct TokenJSONTests {
    func decode(_ text: String, split: String = "train", vocabulary: Int = 50) -> Result<TokenBatch, FileError> {
        Result { () throws(FileError) in try TokenFile.decodeJSON(Data(text.utf8), path: "t.json", split: split, vocabulary: vocabulary) }
    }

    /// What Foundation's tree gives for the split, as sequences, when it is a valid token batch.
    func reference(_ text: String, split: String = "train") -> [[Int]]? {
        guard let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any],
              let rows = object[split] as? [[NSNumber]] else { return nil }
        return rows.map { $0.map(\.intValue) }
    }

    // Seeded random files in every layout Foundation writes and a person types (whitespace, other splits
    // holding any JSON, escaped keys, number forms): the reader returns exactly Foundation's batch.
    @Test func seededFilesReadAsFoundationReadsThem() throws {
        var rng = SeededGenerator(seed: 3)
        for trial in 0..<200 {
            let rows = 1 + Int(rng.next() % 6), length = 2 + Int(rng.next() % 7)
            let sequences = (0..<rows).map { _ in (0..<length).map { _ in Int(rng.next() % 50) } }
            let spaces = [" ", "", "\n  ", "\t"][trial % 4]
            func number(_ t: Int) -> String { [String(t), "\(t).0", "\(t)e0", "\(t * 10)E-1"][Int(rng.next() % 4)] }
            let body = "[" + sequences.map { "[" + $0.map(number).joined(separator: "," + spaces) + "]" }.joined(separator: "," + spaces) + "]"
            let others = [#""test": [[1, 2]]"#, #""meta": {"a": [true, false, null, "x\"y", -1.5e3, {}], "b": []}"#, #""tr\u0061in2": "z""#]
            let key = trial % 3 == 0 ? #""tr\u0061in""# : #""train""#
            let text = (trial % 5 == 0 ? "\u{FEFF}" : "") + "{" + spaces + (others.shuffled(using: &rng).prefix(Int(rng.next() % 4)) + ["\(key):\(spaces)\(body)"])
                .shuffled(using: &rng).joined(separator: "," + spaces) + spaces + "}"
            let batch = try decode(text).get()
            #expect(batch == TokenBatch(sequences: sequences), "\(text)")
            if trial % 5 != 0 { #expect(reference(text) == sequences) }
        }
    }

    // Defects: syntax anywhere (located by line and column, before any defect of the split), nesting
    // too deep, the split missing or of the wrong shape, sequences of unequal or short length, ids
    // that are not integers below the vocabulary, booleans where ids belong.
    @Test func defectsAreLocatedAndNamed() {
        let cases: [(text: String, message: String)] = [
            ("{\"train\": [[1, 2]],\n \"test\": [[1, 2]}", "not valid JSON (line 2, column 17: expected ']')"),
            ("{\"train\": [[1, 2]]} x", "not valid JSON (line 1, column 21: unexpected text after the JSON value)"),
            ("{\"train\": [[1, 2]], \"a\": \"\u{1}\"}", "a control character in a string"),
            ("{\"train\": [[1, 02]]}", "not valid JSON (line 1, column 17: expected ']')"),
            ("{\"train\": [[1, 99]], \"b\": [1,}", "not valid JSON (line 1, column 30: expected a value)"),
            ("{\"a\": " + String(repeating: "[", count: 600) + String(repeating: "]", count: 600) + "}", "nested more than 512 levels deep"),
            ("{\"test\": [[1, 2]]}", "no split \"train\""),
            ("[[1, 2]]", "no split \"train\""),
            ("{\"train\": []}", "split \"train\" must be a non-empty array of token-id arrays"),
            ("{\"train\": [1, 2]}", "split \"train\" must be a non-empty array of token-id arrays"),
            ("{\"train\": [[1, true]]}", "split \"train\" must be a non-empty array of token-id arrays"),
            ("{\"train\": [[1, 2], [3]]}", "split \"train\" sequence 1 has 1 token; a sequence needs at least 2"),
            ("{\"train\": [[1, 2], [3, 4, 5]]}", "split \"train\" sequence 1 has 3 tokens, sequence 0 has 2; every sequence of a split must have the same length"),
            ("{\"train\": [[1]]}", "split \"train\" sequence 0 has 1 token; a sequence needs at least 2"),
            ("{\"train\": [[1, 2]],\n \"train\": [[3, 4]]}", "line 2, column 11: the key \"train\" appears twice in the top-level object"),
            ("{\"train\": [[1, 2], [3, 50]]}", "split \"train\" sequence 1: token 50 is not an id below the vocabulary size 50"),
            ("{\"train\": [[1, 2.5]]}", "token 2.5 is not an id"),
            ("{\"train\": [[-1, 2]]}", "token -1 is not an id"),
            ("", "not valid JSON (line 1, column 1: expected a value, found the end of the file)"),
        ]
        for (text, message) in cases {
            switch decode(text) {
            case .success(let batch): Issue.record("accepted \(text.prefix(60)): \(batch)")
            case .failure(let error):
                #expect(error.file == "t.json")
                #expect(error.message.contains(message), "\(text.prefix(60)): \(error.message)")
            }
        }
    }
}
