import Foundation

/// Token data for the model: a JSON object of named batches, each an array of equal-length token-id
/// sequences (the fixture's `tokens.json`: {"train": [[…], …], "test": […]}).
public enum TokenFile {
    public static func read(path: String, split: String, vocabulary: Int) throws(SafeTensorsError) -> TokenBatch {
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path)))
        } catch {
            throw SafeTensorsError(path, "cannot read a JSON object (\(error.localizedDescription))")
        }
        guard let splits = object as? [String: Any], let raw = splits[split] else {
            throw SafeTensorsError(path, "no split \"\(split)\"")
        }
        guard let rows = raw as? [[Double]], !rows.isEmpty else {
            throw SafeTensorsError(path, "split \"\(split)\" must be a non-empty array of token-id arrays")
        }
        for (i, row) in rows.enumerated() {
            guard row.count == rows[0].count, row.count >= 2 else {
                throw SafeTensorsError(path, "split \"\(split)\" sequence \(i): expected \(rows[0].count) >= 2 tokens, found \(row.count)")
            }
            if let bad = row.first(where: { $0 != $0.rounded() || $0 < 0 || $0 >= Double(vocabulary) }) {
                throw SafeTensorsError(path, "split \"\(split)\" sequence \(i): token \(bad) is not an id below the vocabulary size \(vocabulary)")
            }
        }
        return TokenBatch(sequences: rows.map { $0.map { Int($0) } })
    }
}
