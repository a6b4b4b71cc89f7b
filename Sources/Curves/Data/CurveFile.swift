import _Files
import Foundation

/// Reads loss curves from CSV, in either of two layouts (RFC 4180 quoting in both):
///
/// - wide, the Rectified Scaling Law benchmark's: a model-name column, then one column per
///   subset size (a whole number; `0` is the zero-shot loss), and optional `size` (parameter
///   count) and `family` columns. An empty loss cell means "not measured".
/// - long: columns `model`, `n`, `loss` (and optionally `size`, `family`), one point a row,
///   each model's sizes increasing in file order.
///
/// Every error names the file, line and column and what was expected there.
public enum CurveFile {
    public static func read(path: String) throws(CurveError) -> CurveSet {
        let data: Data
        do { data = try RegularFile.contents(path) } catch { throw CurveError(path, error.reason) }
        guard let text = String(data: data, encoding: .utf8) else { throw CurveError(path, "not UTF-8 text") }
        return try parse(text, source: path)
    }

    public static func parse(_ text: String, source: String) throws(CurveError) -> CurveSet {
        let records = try csvRecords(text, file: source)
        guard let header = records.first else { throw CurveError(source, "the file is empty") }
        let names = header.map { $0.text.lowercased() }
        if names.contains("loss") && names.contains("n") && names.contains("model") {
            return try parseLong(header: header, rows: records.dropFirst(), source: source)
        }
        return try parseWide(header: header, rows: records.dropFirst(), source: source)
    }

    // MARK: Wide layout

    private enum WideColumn { case size(Double), parameters, family }

    private static func parseWide(header: [CSVField], rows: ArraySlice<[CSVField]>, source: String)
        throws(CurveError) -> CurveSet
    {
        guard header.count >= 2 else {
            throw CurveError(source, line: header[0].line,
                             "expected a header with a model column and subset-size columns, or model,n,loss")
        }
        var columns: [WideColumn] = []
        var lastSize = -1.0, seen: [Double: Int] = [:]
        for field in header.dropFirst() {
            switch field.text.lowercased() {
            case "size": columns.append(.parameters)
            case "family": columns.append(.family)
            default:
                guard let n = UInt64(field.text).map({ Double($0) }) else {
                    throw CurveError(source, line: field.line, column: field.column,
                                     "expected a subset size (a whole number), \"size\" or \"family\", found \"\(field.text)\"")
                }
                if let first = seen[n] {
                    throw CurveError(source, line: field.line, column: field.column,
                                     "size \(format(n)) appears twice (also column \(first))")
                }
                guard n > lastSize else {
                    throw CurveError(source, line: field.line, column: field.column,
                                     "subset sizes must increase from left to right: \(format(n)) after \(format(lastSize))")
                }
                seen[n] = field.column
                lastSize = n
                columns.append(.size(n))
            }
        }

        var curves: [LossCurve] = []
        var modelLines: [String: Int] = [:]
        for row in rows {
            let line = row[0].line
            guard row.count == header.count else {
                throw CurveError(source, line: line, "expected \(header.count) fields as in the header, found \(row.count)")
            }
            let model = row[0].text
            guard !model.isEmpty else { throw CurveError(source, line: line, column: 1, "expected a model name, found an empty field") }
            if let first = modelLines[model] {
                throw CurveError(source, line: line, column: 1, "model \"\(model)\" appears twice (first on line \(first))")
            }
            modelLines[model] = line
            var curve = LossCurve(model: model, sizes: [], losses: [])
            for (field, column) in zip(row.dropFirst(), columns) {
                switch column {
                case .family:
                    curve.family = field.text.isEmpty ? nil : field.text
                case .parameters:
                    if field.text.isEmpty { break }
                    guard let p = decimalNumber(field.text), p.isFinite, p > 0 else {
                        throw CurveError(source, line: field.line, column: field.column,
                                         "expected a positive parameter count, found \"\(field.text)\" (model \(model))")
                    }
                    curve.parameterCount = p
                case .size(let n):
                    if field.text.isEmpty { break }
                    let loss = try parseLoss(field, model: model, size: n, source: source)
                    if n == 0 { curve.zeroShot = loss } else { curve.sizes.append(n); curve.losses.append(loss) }
                }
            }
            curves.append(curve)
        }
        guard !curves.isEmpty else { throw CurveError(source, "the file has a header but no models") }
        return CurveSet(source: source, curves: curves)
    }

    // MARK: Long layout

    private static func parseLong(header: [CSVField], rows: ArraySlice<[CSVField]>, source: String)
        throws(CurveError) -> CurveSet
    {
        var index: [String: Int] = [:]
        for field in header {
            let name = field.text.lowercased()
            guard ["model", "n", "loss", "size", "family"].contains(name) else {
                throw CurveError(source, line: field.line, column: field.column,
                                 "expected one of the columns model, n, loss, size, family, found \"\(field.text)\"")
            }
            guard index[name] == nil else {
                throw CurveError(source, line: field.line, column: field.column, "column \"\(name)\" appears twice")
            }
            index[name] = field.column - 1
        }
        let (m, n, l) = (index["model"]!, index["n"]!, index["loss"]!)

        var curves: [LossCurve] = []
        var position: [String: Int] = [:]
        var pointLines: [String: [Double: Int]] = [:]
        for row in rows {
            let line = row[0].line
            guard row.count == header.count else {
                throw CurveError(source, line: line, "expected \(header.count) fields as in the header, found \(row.count)")
            }
            let model = row[m].text
            guard !model.isEmpty else {
                throw CurveError(source, line: line, column: m + 1, "expected a model name, found an empty field")
            }
            let nField = row[n]
            guard let size = decimalNumber(nField.text), size.isFinite, size >= 0 else {
                throw CurveError(source, line: line, column: nField.column,
                                 "expected a subset size n >= 0, found \"\(nField.text)\" (model \(model))")
            }
            let loss = try parseLoss(row[l], model: model, size: size, source: source)
            let i: Int
            if let existing = position[model] { i = existing } else {
                i = curves.count
                position[model] = i
                curves.append(LossCurve(model: model, sizes: [], losses: []))
            }
            if let first = pointLines[model, default: [:]][size] {
                throw CurveError(source, line: line, column: nField.column,
                                 "size \(format(size)) of model \"\(model)\" appears twice (first on line \(first))")
            }
            pointLines[model, default: [:]][size] = line
            if size == 0 {
                curves[i].zeroShot = loss
            } else {
                if let last = curves[i].sizes.last, size < last {
                    throw CurveError(source, line: line, column: nField.column,
                                     "sizes of model \"\(model)\" must increase down the file: \(format(size)) after \(format(last))")
                }
                curves[i].sizes.append(size)
                curves[i].losses.append(loss)
            }
            if let p = index["size"], !row[p].text.isEmpty {
                guard let count = decimalNumber(row[p].text), count.isFinite, count > 0 else {
                    throw CurveError(source, line: line, column: p + 1,
                                     "expected a positive parameter count, found \"\(row[p].text)\" (model \(model))")
                }
                curves[i].parameterCount = count
            }
            if let f = index["family"], !row[f].text.isEmpty { curves[i].family = row[f].text }
        }
        guard !curves.isEmpty else { throw CurveError(source, "the file has a header but no points") }
        return CurveSet(source: source, curves: curves)
    }

    private static func parseLoss(_ field: CSVField, model: String, size: Double, source: String)
        throws(CurveError) -> Double
    {
        guard let loss = decimalNumber(field.text), loss.isFinite, loss > 0 else {
            throw CurveError(source, line: field.line, column: field.column,
                             "expected a positive loss, found \"\(field.text)\" (model \(model), size \(format(size)))")
        }
        return loss
    }
}

/// A size or count for messages: whole numbers without a decimal point (below 1e15, where a
/// double still holds every integer exactly), anything else as Swift prints it.
public func format(_ n: Double) -> String {
    n == n.rounded() && abs(n) < 1e15 ? String(Int64(n)) : String(n)
}
