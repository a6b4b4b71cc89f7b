/// A field of a CSV file with its 1-based line and column (the field's position in its record).
struct CSVField {
    var text: String
    var line: Int
    var column: Int
}

/// Splits RFC 4180 CSV text into records of fields: comma-separated, fields optionally in double
/// quotes (which may hold commas, newlines and doubled quotes ""), records ended by LF or CRLF.
/// Blank lines are skipped.
/// - Complexity: O(length of the text).
func csvRecords(_ text: String, file: String) throws(CurveError) -> [[CSVField]] {
    var records: [[CSVField]] = []
    var record: [CSVField] = []
    var field = ""
    var line = 1, fieldLine = 1
    var inQuotes = false, wasQuoted = false
    var chars = text.unicodeScalars.makeIterator()
    var pending: Unicode.Scalar? = nil

    func endField() {
        record.append(CSVField(text: wasQuoted ? field : field.trimmingSpaces, line: fieldLine,
                               column: record.count + 1))
        field = ""
        wasQuoted = false
        fieldLine = line
    }
    func endRecord() {
        endField()
        if !(record.count == 1 && record[0].text.isEmpty) { records.append(record) }
        record = []
    }

    while let c = pending ?? chars.next() {
        pending = nil
        // A curves file is text: control characters other than tab and line ends (a NUL byte from a
        // binary file, say) are refused where they stand.
        if c.value < 0x20 && c != "\t" && c != "\n" && c != "\r" || c.value == 0x7F {
            throw CurveError(file, line: line, column: record.count + 1,
                             "control character U+\(codePoint(c)) in a field; a curves file is text")
        }
        if inQuotes {
            if c == "\"" {
                if let next = chars.next() {
                    if next == "\"" { field.unicodeScalars.append("\"") } else { inQuotes = false; pending = next }
                } else { inQuotes = false }
            } else {
                if c == "\n" { line += 1 }
                field.unicodeScalars.append(c)
            }
            continue
        }
        switch c {
        case "\"" where field.trimmingSpaces.isEmpty && !wasQuoted:
            field = ""
            inQuotes = true
            wasQuoted = true
        case ",":
            endField()
        case "\r":
            continue
        case "\n":
            endRecord()
            line += 1
            fieldLine = line
        default:
            if wasQuoted && c != " " {
                throw CurveError(file, line: line, column: record.count + 1,
                                 "unexpected character after a closing quote")
            }
            field.unicodeScalars.append(c)
        }
    }
    if inQuotes {
        throw CurveError(file, line: fieldLine, column: record.count + 1, "a quoted field is not closed")
    }
    if !field.isEmpty || !record.isEmpty || wasQuoted { endRecord() }
    return records
}

extension String {
    var trimmingSpaces: String {
        var s = Substring(self)
        while s.first == " " || s.first == "\t" { s = s.dropFirst() }
        while s.last == " " || s.last == "\t" { s = s.dropLast() }
        return String(s)
    }
}

/// A decimal number as people write it (digits, an optional sign, point and exponent), or one of
/// nan / inf / infinity so that the caller can say what is wrong with it; hexadecimal floats and
/// other forms Swift's `Double.init` also accepts are not numbers in a curves file.
func decimalNumber(_ text: String) -> Double? {
    let lower = text.lowercased()
    let special = ["nan", "+nan", "-nan", "inf", "+inf", "-inf", "infinity", "+infinity", "-infinity"]
    guard special.contains(lower) || (!text.isEmpty && text.unicodeScalars.allSatisfy({ "0123456789.eE+-".unicodeScalars.contains($0) })) else {
        return nil
    }
    return Double(text)
}

/// A scalar's code point as Unicode writes it: at least four upper-case hex digits.
private func codePoint(_ c: Unicode.Scalar) -> String {
    let hex = String(c.value, radix: 16, uppercase: true)
    return String(repeating: "0", count: max(0, 4 - hex.count)) + hex
}
