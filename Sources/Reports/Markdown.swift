import Foundation

/// Markdown building blocks.
public enum Markdown {
    /// A pipe table, the first column left-aligned and the others right-aligned. A cell's own '|' is
    /// escaped and its line breaks become spaces, so that a model named `a|b` or spanning two lines
    /// stays in its cell.
    public static func table(_ header: [String], _ rows: [[String]]) -> String {
        func cell(_ text: String) -> String {
            text.replacingOccurrences(of: "|", with: "\\|").replacingOccurrences(of: "\r\n", with: " ")
                .replacingOccurrences(of: "\n", with: " ").replacingOccurrences(of: "\r", with: " ")
        }
        var lines = ["| " + header.map(cell).joined(separator: " | ") + " |"]
        lines.append("|" + header.indices.map { $0 == 0 ? "---" : "---:" }.joined(separator: "|") + "|")
        for row in rows { lines.append("| " + row.map(cell).joined(separator: " | ") + " |") }
        return lines.joined(separator: "\n") + "\n"
    }

    /// A number to `digits` significant digits, in plain or exponent form as fits.
    public static func number(_ x: Double, digits: Int = 4) -> String {
        guard x.isFinite else { return x.isNaN ? "undefined" : (x > 0 ? "inf" : "-inf") }
        if x == 0 { return "0" }
        let magnitude = abs(x)
        if magnitude >= 1e6 || magnitude < 1e-3 { return String(format: "%.\(digits - 1)e", x) }
        let decimals = max(0, digits - 1 - Int(floor(log10(magnitude))))
        return String(format: "%.\(decimals)f", x)
    }

    /// `number`, but a whole value below 10⁶ without decimals: counts, settings and ranks ("3", "1", and "2.50"
    /// for a tie's average rank).
    public static func compact(_ x: Double, digits: Int = 4) -> String {
        x.isFinite && x == x.rounded() && abs(x) < 1e6 ? String(Int(x)) : number(x, digits: digits)
    }

    /// Fixed one-decimal percentage, as the published tables print.
    public static func percent(_ x: Double) -> String {
        guard x.isFinite else { return x.isNaN ? "undefined" : (x > 0 ? "inf" : "-inf") }
        return String(format: "%.1f", x)
    }

    /// A byte count in MB or GB.
    public static func bytes(_ n: Int) -> String {
        n >= 1_000_000_000 ? String(format: "%.1f GB", Double(n) / 1e9) : String(format: "%.0f MB", Double(n) / 1e6)
    }
}
