import _Files
/// The JSON token layout ({"train": [[id, …], …], "test": …}) read in one pass over the bytes, keeping
/// only the requested split's ids, as Int32: about 4 bytes per token of that split, where a general JSON
/// tree (Foundation's) took about 120 per token of the whole file. Every other value is still checked
/// against JSON's grammar (RFC 8259) and skipped, so a malformed file is refused wherever its defect
/// is, by line and column; a syntax error anywhere is reported before a defect of the split's contents,
/// as a whole-file parser would.
///
/// Accepted as token ids, as before: JSON numbers with an integral value in [0, vocabulary) (`3`,
/// `3.0`, `3e0`). Booleans, strings and nulls are not numbers.
/// - Complexity: O(file bytes); memory 4 bytes per token of the split beside the file.
struct TokenJSONReader {
    private let bytes: UnsafeRawBufferPointer
    private var position = 0
    private let path: String, split: String, vocabulary: Int

    /// The deepest nesting of arrays and objects accepted (a bound on the recursion of `skipValue`).
    static let maximumDepth = 512

    /// A defect found in the split's contents, reported once the whole file has parsed.
    private var contentError: String?
    private var found = false
    private var ids: [Int32] = []
    private var rows = 0, length = 0

    private init(bytes: UnsafeRawBufferPointer, path: String, split: String, vocabulary: Int) {
        (self.bytes, self.path, self.split, self.vocabulary) = (bytes, path, split, vocabulary)
    }

    static func read(_ bytes: UnsafeRawBufferPointer, path: String, split: String, vocabulary: Int) throws(FileError) -> TokenBatch {
        var reader = TokenJSONReader(bytes: bytes, path: path, split: split, vocabulary: vocabulary)
        return try reader.document()
    }

    // MARK: the document

    private mutating func document() throws(FileError) -> TokenBatch {
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { position = 3 }
        skipWhitespace()
        if peek() == UInt8(ascii: "{") { try object() } else { try skipValue(depth: 0) }
        skipWhitespace()
        guard position == bytes.count else { throw syntax("unexpected text after the JSON value") }
        guard found else { throw FileError(path, "no split \"\(split)\"") }
        if let contentError { throw FileError(path, contentError) }
        guard rows > 0 else { throw notTokenArrays() }
        return TokenBatch(flat: ids, length: length)
    }

    /// The top-level object: the split's value is read as token arrays, every other value skipped.
    private mutating func object() throws(FileError) {
        var keys: Set<String> = []
        try members { reader, key throws(FileError) in
            // A repeated key is ambiguous (Foundation's reader kept the last value without a word).
            guard keys.insert(key).inserted else {
                throw reader.located("the key \"\(key)\" appears twice in the top-level object; give each split once")
            }
            if key == reader.split {
                reader.found = true
                try reader.splitValue()
            } else {
                try reader.skipValue(depth: 1)
            }
        }
    }

    private func notTokenArrays() -> FileError {
        FileError(path, "split \"\(split)\" must be a non-empty array of token-id arrays")
    }

    /// Notes that the split's contents are not token arrays, unless an earlier defect is noted.
    private mutating func noteNotTokenArrays() {
        if contentError == nil { contentError = notTokenArrays().message }
    }

    /// The split: an array of arrays of numbers, all of one length of at least 2, each an id below the
    /// vocabulary. A value of another shape is skipped (checking its syntax) and noted.
    private mutating func splitValue() throws(FileError) {
        guard peek() == UInt8(ascii: "[") else {
            try skipValue(depth: 1)
            return noteNotTokenArrays()
        }
        var sequences = 0
        try elements(close: "]") { reader throws(FileError) in
            if reader.peek() == UInt8(ascii: "[") { try reader.row() } else {
                try reader.skipValue(depth: 2)
                reader.noteNotTokenArrays()
            }
            sequences += 1
        }
        if sequences == 0 { noteNotTokenArrays() }
    }

    /// One sequence of token ids.
    private mutating func row() throws(FileError) {
        let start = ids.count
        var count = 0
        try elements(close: "]") { reader throws(FileError) in
            count += 1
            guard let byte = reader.peek(), byte == UInt8(ascii: "-") || reader.isDigit(byte) else {
                try reader.skipValue(depth: 3)
                return reader.noteNotTokenArrays()
            }
            let value = try reader.number()
            guard reader.contentError == nil else { return }
            if value == value.rounded(), value >= 0, value < Double(reader.vocabulary) {
                reader.ids.append(Int32(value))
            } else {
                let shown = value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
                reader.contentError = "split \"\(reader.split)\" sequence \(reader.rows): token \(shown) is not an id below the vocabulary size \(reader.vocabulary)"
            }
        }
        if contentError == nil {
            if rows == 0 { length = count }
            if count < 2 {
                contentError = "split \"\(split)\" sequence \(rows) has \(count) token\(count == 1 ? "" : "s"); a sequence needs at least 2 (a next token to predict)"
            } else if count != length {
                contentError = "split \"\(split)\" sequence \(rows) has \(count) tokens, sequence 0 has \(length); every sequence of a split must have the same length"
                ids.removeSubrange(start...)
            }
        }
        rows += 1
    }

    // MARK: JSON's grammar

    /// Skips any JSON value, checking its syntax.
    private mutating func skipValue(depth: Int) throws(FileError) {
        guard depth < Self.maximumDepth else { throw syntax("nested more than \(Self.maximumDepth) levels deep") }
        guard let byte = peek() else { throw syntax("expected a value, found the end of the file") }
        switch byte {
        case UInt8(ascii: "{"): try members { reader, _ throws(FileError) in try reader.skipValue(depth: depth + 1) }
        case UInt8(ascii: "["): try elements(close: "]") { reader throws(FileError) in try reader.skipValue(depth: depth + 1) }
        case UInt8(ascii: "\""): _ = try string()
        case UInt8(ascii: "t"): try literal("true")
        case UInt8(ascii: "f"): try literal("false")
        case UInt8(ascii: "n"): try literal("null")
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): _ = try number()
        default: throw syntax("expected a value")
        }
    }

    /// The elements of an array or the members of an object, from its opening bracket to `close`:
    /// `element` reads each one, the commas and whitespace between them are read here.
    private mutating func elements(close: Unicode.Scalar,
                                   _ element: (inout TokenJSONReader) throws(FileError) -> Void) throws(FileError) {
        position += 1
        skipWhitespace()
        if peek() == UInt8(ascii: close) { position += 1; return }
        while true {
            skipWhitespace()
            try element(&self)
            skipWhitespace()
            if peek() == UInt8(ascii: ",") { position += 1; continue }
            return try expect(close)
        }
    }

    /// An object's members: `value` reads each member's value, given its key.
    private mutating func members(_ value: (inout TokenJSONReader, String) throws(FileError) -> Void) throws(FileError) {
        try elements(close: "}") { reader throws(FileError) in
            let key = try reader.string()
            reader.skipWhitespace()
            try reader.expect(":")
            reader.skipWhitespace()
            try value(&reader, key)
        }
    }

    /// A number: -? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?, its value as a Double.
    private mutating func number() throws(FileError) -> Double {
        let start = position
        var integer: Int64 = 0, plain = true
        if peek() == UInt8(ascii: "-") { position += 1; plain = false }
        guard let first = peek(), isDigit(first) else { throw syntax("expected a digit") }
        if first == UInt8(ascii: "0") {
            position += 1
        } else {
            while let d = peek(), isDigit(d) {
                if integer < 100_000_000_000_000 { integer = integer * 10 + Int64(d - UInt8(ascii: "0")) } else { plain = false }
                position += 1
            }
        }
        if peek() == UInt8(ascii: ".") {
            plain = false
            position += 1
            guard let d = peek(), isDigit(d) else { throw syntax("expected a digit after the decimal point") }
            while let d = peek(), isDigit(d) { position += 1 }
        }
        if peek() == UInt8(ascii: "e") || peek() == UInt8(ascii: "E") {
            plain = false
            position += 1
            if peek() == UInt8(ascii: "+") || peek() == UInt8(ascii: "-") { position += 1 }
            guard let d = peek(), isDigit(d) else { throw syntax("expected a digit in the exponent") }
            while let d = peek(), isDigit(d) { position += 1 }
        }
        if plain { return Double(integer) }
        let text = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<position]), as: UTF8.self)
        return Double(text) ?? .nan
    }

    /// A string, its escapes decoded; control characters must be escaped.
    private mutating func string() throws(FileError) -> String {
        try expect("\"")
        var units: [UInt16] = []
        var raw: [UInt8] = []
        func flush() { if !raw.isEmpty { units += String(decoding: raw, as: UTF8.self).utf16; raw.removeAll() } }
        while true {
            guard let byte = peek() else { throw syntax("unterminated string") }
            position += 1
            switch byte {
            case UInt8(ascii: "\""):
                flush()
                return String(decoding: units, as: UTF16.self)
            case UInt8(ascii: "\\"):
                flush()
                guard let escape = peek() else { throw syntax("unterminated string") }
                position += 1
                switch escape {
                case UInt8(ascii: "\""): units.append(0x22)
                case UInt8(ascii: "\\"): units.append(0x5C)
                case UInt8(ascii: "/"): units.append(0x2F)
                case UInt8(ascii: "b"): units.append(0x08)
                case UInt8(ascii: "f"): units.append(0x0C)
                case UInt8(ascii: "n"): units.append(0x0A)
                case UInt8(ascii: "r"): units.append(0x0D)
                case UInt8(ascii: "t"): units.append(0x09)
                case UInt8(ascii: "u"):
                    var unit: UInt16 = 0
                    for _ in 0..<4 {
                        guard let h = peek(), let v = hexValue(h) else { throw syntax("expected four hexadecimal digits after \\u") }
                        unit = unit << 4 | UInt16(v)
                        position += 1
                    }
                    units.append(unit)
                default: throw syntax("unknown escape in a string")
                }
            case 0..<0x20: throw syntax("a control character in a string (it must be escaped)")
            default: raw.append(byte)
            }
        }
    }

    private mutating func literal(_ word: StaticString) throws(FileError) {
        let text = UnsafeRawBufferPointer(start: word.utf8Start, count: word.utf8CodeUnitCount)
        guard bytes.count - position >= text.count, bytes[position..<(position + text.count)].elementsEqual(text) else {
            throw syntax("expected a value")
        }
        position += text.count
    }

    private mutating func expect(_ character: Unicode.Scalar) throws(FileError) {
        guard peek() == UInt8(ascii: character) else {
            throw syntax(peek() == nil ? "expected '\(character)', found the end of the file" : "expected '\(character)'")
        }
        position += 1
    }

    private mutating func skipWhitespace() {
        while let b = peek(), b == 0x20 || b == 0x0A || b == 0x0D || b == 0x09 { position += 1 }
    }

    private func peek() -> UInt8? { position < bytes.count ? bytes[position] : nil }
    private func isDigit(_ b: UInt8) -> Bool { b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9") }
    private func hexValue(_ b: UInt8) -> UInt8? {
        switch b {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): b - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): b - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): b - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    /// "not valid JSON (line L, column C: what)", the column counted in bytes from 1.
    private func syntax(_ what: String) -> FileError {
        FileError(path, "not valid JSON (\(location): \(what))")
    }

    /// A defect that is not one of JSON's grammar, at the current position.
    private func located(_ what: String) -> FileError {
        FileError(path, "\(location): \(what)")
    }

    /// "line L, column C" of the current position.
    private var location: String {
        var line = 1, lineStart = 0
        for i in 0..<min(position, bytes.count) where bytes[i] == 0x0A { (line, lineStart) = (line + 1, i + 1) }
        return "line \(line), column \(position - lineStart + 1)"
    }
}
