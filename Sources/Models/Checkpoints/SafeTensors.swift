import _Files
import Foundation

/// The element types a safetensors file may hold that the toolkit reads (all converted to Float64
/// on load) and writes.
public enum SafeTensorsDType: String, Sendable, CaseIterable {
    case f64 = "F64", f32 = "F32", f16 = "F16", bf16 = "BF16"

    public var width: Int {
        switch self {
        case .f64: return 8
        case .f32: return 4
        case .f16, .bf16: return 2
        }
    }
}

/// One tensor's entry in a safetensors header.
public struct SafeTensorsEntry: Sendable, Equatable {
    public var name: String
    public var dtype: SafeTensorsDType
    public var shape: [Int]
    /// [begin, end) in bytes, relative to the start of the data section.
    public var offsets: Range<Int>

    /// The product of the shape (validated against the byte count when the header is read).
    public var elementCount: Int { shape.reduce(1, *) }

    /// The product of the shape times `width` bytes, or nil when it overflows Int.
    func checkedByteCount(width: Int) -> Int? {
        var product = width
        for d in shape {
            let r = product.multipliedReportingOverflow(by: d)
            if r.overflow { return nil }
            product = r.partialValue
        }
        return product
    }
}

/// A safetensors file (the Hugging Face format): an 8-byte little-endian header length N, N bytes of
/// JSON mapping tensor names to {dtype, shape, data_offsets} (and an optional `__metadata__` map of
/// strings), then the tensors' bytes, little-endian and row-major.
///
/// Reading maps the file into memory and validates everything before any tensor is read: the header
/// length lies inside the file, every entry's dtype is known, its byte count equals shape × dtype
/// width, its offsets lie inside the data section, and no two tensors overlap.
public struct SafeTensorsFile: Sendable {
    public let path: String
    public let entries: [SafeTensorsEntry]
    public let metadata: [String: String]
    private let data: Data
    private let dataStart: Int

    /// - Parameter maximumEntries: the most tensors the reader expects (a GPT-2's, for a checkpoint), counted
    ///   in the header's bytes before it is parsed: a header listing more is refused without building them.
    public init(path: String, maximumEntries: Int? = nil) throws(FileError) {
        try self.init(fileContents(path, mapped: true), path: path, maximumEntries: maximumEntries)
    }

    public init(_ bytes: Data, path: String, maximumEntries: Int? = nil) throws(FileError) {
        self.path = path
        guard bytes.count >= 8 else {
            throw FileError(path, "truncated: \(bytes.count) bytes, fewer than the 8-byte header length")
        }
        let headerLength = bytes.prefix(8).enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
        guard headerLength <= UInt64(bytes.count - 8) else {
            throw FileError(path, "header length \(headerLength) runs past the end of the file (\(bytes.count) bytes)")
        }
        let start = bytes.startIndex
        let headerData = bytes.subdata(in: (start + 8)..<(start + 8 + Int(headerLength)))
        if let maximumEntries {
            // Every entry has a "data_offsets" key; counting the bytes costs nothing beside parsing them.
            let key = Array("\"data_offsets\"".utf8)
            var count = 0, i = headerData.startIndex
            while let found = headerData[i...].firstRange(of: key) { count += 1; i = found.upperBound }
            guard count <= maximumEntries else {
                throw FileError(path, "the header lists \(count) tensors; at most \(maximumEntries) are expected here")
            }
        }
        let parsed: Any
        switch JSON.parse(headerData) {
        case .success(let tree): parsed = tree
        case .failure(let failure):
            if let duplicate = JSONDuplicateKey.first(in: headerData) {
                throw FileError(path, "the header names a tensor twice: \(duplicate)")
            }
            throw FileError(path, "the header is not valid JSON (\(failure.reason))")
        }
        guard let header = parsed as? [String: Any] else { throw FileError(path, "the header is not a JSON object") }
        if let duplicate = JSONDuplicateKey.first(in: headerData) { throw FileError(path, "the header names a tensor twice: \(duplicate)") }
        let dataSize = bytes.count - 8 - Int(headerLength)
        var entries: [SafeTensorsEntry] = []
        var metadata: [String: String] = [:]
        for (name, value) in header {
            if name == "__metadata__" {
                guard let m = value as? [String: String] else {
                    throw FileError(path, "__metadata__ must map strings to strings")
                }
                metadata = m
                continue
            }
            guard let info = value as? [String: Any] else {
                throw FileError(path, tensor: name, "expected {dtype, shape, data_offsets}")
            }
            guard let code = info["dtype"] as? String, let dtype = SafeTensorsDType(rawValue: code) else {
                throw FileError(path, tensor: name, "dtype \(info["dtype"].map { "\($0)" } ?? "missing") is not one of F64, F32, F16, BF16")
            }
            guard let shapeValues = info["shape"] as? [Any], let shape = Self.integers(shapeValues), shape.allSatisfy({ $0 >= 0 }) else {
                throw FileError(path, tensor: name, "shape must be a list of non-negative integers")
            }
            guard let offsetValues = info["data_offsets"] as? [Any], let o = Self.integers(offsetValues), o.count == 2,
                  o[0] >= 0, o[0] <= o[1] else {
                throw FileError(path, tensor: name, "data_offsets must be [begin, end] with 0 <= begin <= end")
            }
            guard o[1] <= dataSize else {
                throw FileError(path, tensor: name, "data offsets [\(o[0]), \(o[1])) run past the end of the data (\(dataSize) bytes)")
            }
            let entry = SafeTensorsEntry(name: name, dtype: dtype, shape: shape, offsets: o[0]..<o[1])
            guard let needed = entry.checkedByteCount(width: dtype.width) else {
                throw FileError(path, tensor: name, "shape \(shape) has more elements than a 64-bit count holds")
            }
            guard entry.offsets.count == needed else {
                throw FileError(path, tensor: name, "holds \(entry.offsets.count) bytes, but shape \(shape) of \(code) needs \(needed)")
            }
            entries.append(entry)
        }
        entries.sort { ($0.offsets.lowerBound, $0.name) < ($1.offsets.lowerBound, $1.name) }
        for (a, b) in zip(entries, entries.dropFirst()) where b.offsets.lowerBound < a.offsets.upperBound && !b.offsets.isEmpty {
            throw FileError(path, tensor: b.name, "data offsets [\(b.offsets.lowerBound), \(b.offsets.upperBound)) overlap tensor \(a.name)")
        }
        self.entries = entries
        self.metadata = metadata
        self.data = bytes
        self.dataStart = 8 + Int(headerLength)
    }

    /// Integers JSON holds as doubles are exact below 2⁵³ ≈ 9e15; 1e15 keeps a margin and is far
    /// beyond any tensor dimension or offset.
    static let largestExactInteger = 1e15

    private static func integers(_ values: [Any]) -> [Int]? {
        var out: [Int] = []
        for v in values {
            guard !JSON.isBoolean(v), let d = v as? Double, d == d.rounded(), abs(d) < largestExactInteger else { return nil }
            out.append(Int(d))
        }
        return out
    }

    public func entry(_ name: String) -> SafeTensorsEntry? { entries.first { $0.name == name } }

    /// The tensor's elements converted to Float64, row-major.
    /// - Complexity: O(elements).
    public func values(_ entry: SafeTensorsEntry) -> [Double] {
        let start = data.startIndex + dataStart + entry.offsets.lowerBound
        let count = entry.elementCount
        return data.withUnsafeBytes { raw -> [Double] in
            let base = raw.baseAddress!.advanced(by: start - data.startIndex)
            switch entry.dtype {
            case .f64:
                return (0..<count).map { Double(bitPattern: UInt64(littleEndian: base.loadUnaligned(fromByteOffset: 8 * $0, as: UInt64.self))) }
            case .f32:
                return (0..<count).map { Double(Float(bitPattern: UInt32(littleEndian: base.loadUnaligned(fromByteOffset: 4 * $0, as: UInt32.self)))) }
            case .f16:
                return (0..<count).map { Double(Float16(bitPattern: UInt16(littleEndian: base.loadUnaligned(fromByteOffset: 2 * $0, as: UInt16.self)))) }
            case .bf16:
                return (0..<count).map {
                    let bits = UInt32(UInt16(littleEndian: base.loadUnaligned(fromByteOffset: 2 * $0, as: UInt16.self))) << 16
                    return Double(Float(bitPattern: bits))
                }
            }
        }
    }

    /// The raw bytes of a tensor (for byte-exact comparisons).
    public func bytes(_ entry: SafeTensorsEntry) -> Data {
        let start = data.startIndex + dataStart + entry.offsets.lowerBound
        return data.subdata(in: start..<(start + entry.offsets.count))
    }
}

/// A tensor to write: Float64 values stored as `dtype` (F64 or F32; conversion to F32 rounds to nearest).
public struct SafeTensorsTensor: Sendable {
    public var name: String
    public var shape: [Int]
    public var dtype: SafeTensorsDType
    public var values: [Double]

    public init(name: String, shape: [Int], dtype: SafeTensorsDType, values: [Double]) {
        precondition(shape.reduce(1, *) == values.count, "tensor \(name): shape \(shape) does not match \(values.count) values")
        precondition(dtype == .f64 || dtype == .f32, "the writer stores F64 or F32")
        (self.name, self.shape, self.dtype, self.values) = (name, shape, dtype, values)
    }
}

extension SafeTensorsFile {
    /// Encodes tensors as a safetensors file: data in the given order, the JSON header with sorted
    /// keys padded with spaces to a multiple of 8 bytes (as the reference writer does).
    public static func encode(_ tensors: [SafeTensorsTensor], metadata: [String: String] = [:]) -> Data {
        var header: [String: Any] = [:]
        if !metadata.isEmpty { header["__metadata__"] = metadata }
        var body = Data()
        for t in tensors {
            let begin = body.count
            switch t.dtype {
            case .f64: for v in t.values { withUnsafeBytes(of: v.bitPattern.littleEndian) { body.append(contentsOf: $0) } }
            default: for v in t.values { withUnsafeBytes(of: Float(v).bitPattern.littleEndian) { body.append(contentsOf: $0) } }
            }
            header[t.name] = ["dtype": t.dtype.rawValue, "shape": t.shape, "data_offsets": [begin, body.count]] as [String: Any]
        }
        var json = JSON.data(header, pretty: false)
        while json.count % 8 != 0 { json.append(0x20) }
        var out = Data()
        withUnsafeBytes(of: UInt64(json.count).littleEndian) { out.append(contentsOf: $0) }
        out.append(json)
        out.append(body)
        return out
    }
}
