import _Files
import Foundation
import Models
import TestSupport
import Testing

/// safetensors: a byte-exact round trip, the fixture's checkpoints, and a clear error per malformation.
struct SafeTensorsTests {
    func temporary(_ name: String) -> String {
        let dir = NSTemporaryDirectory() + "lens-st-\(UUID().uuidString)"
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir + "/" + name
    }

    /// A valid two-tensor file's bytes and its header length, to corrupt.
    func validFile() -> Data {
        SafeTensorsFile.encode([
            SafeTensorsTensor(name: "a", shape: [2, 3], dtype: .f32, values: [1, 2, 3, 4, 5, 6]),
            SafeTensorsTensor(name: "b", shape: [2], dtype: .f64, values: [0.1, -7]),
        ], metadata: ["format": "pt"])
    }

    /// The file with its header JSON replaced (re-padded, length fixed up) and the same data.
    func withHeader(_ json: String, data: Data) -> Data {
        var header = Data(json.utf8)
        while header.count % 8 != 0 { header.append(0x20) }
        var out = Data()
        withUnsafeBytes(of: UInt64(header.count).littleEndian) { out.append(contentsOf: $0) }
        return out + header + data
    }

    var dataSection: Data {
        let bytes = validFile()
        let n = Int(bytes.prefix(8).enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) })
        return bytes.suffix(from: 8 + n)
    }

    @Test func writtenFileReadsBackTheSameValuesAndBytes() throws {
        let bytes = validFile()
        let file = try SafeTensorsFile(bytes, path: "t.safetensors")
        #expect(file.metadata == ["format": "pt"])
        #expect(file.values(try #require(file.entry("a"))) == [1, 2, 3, 4, 5, 6])
        #expect(file.values(try #require(file.entry("b"))) == [0.1, -7])
        // Re-encoding what was read gives the same bytes.
        let again = SafeTensorsFile.encode(file.entries.map {
            SafeTensorsTensor(name: $0.name, shape: $0.shape, dtype: $0.dtype, values: file.values($0))
        }, metadata: file.metadata)
        #expect(again == bytes)
    }

    @Test func halfAndBrainFloatAreConvertedOnLoad() throws {
        // 1.5 as F16 is 0x3E00; as BF16 0x3FC0.
        let data = Data([0x00, 0x3E, 0xC0, 0x3F])
        let file = try SafeTensorsFile(withHeader(#"{"h":{"dtype":"F16","shape":[1],"data_offsets":[0,2]},"g":{"dtype":"BF16","shape":[1],"data_offsets":[2,4]}}"#, data: data), path: "t")
        #expect(file.values(try #require(file.entry("h"))) == [1.5])
        #expect(file.values(try #require(file.entry("g"))) == [1.5])
    }

    @Test(.enabled(if: Fixture.present, "fixture absent"))
    func fixtureCheckpointRoundTripsThroughTheWriterByteForByte() throws {
        let path = Fixture.root + "/finetuned/model.safetensors"
        let file = try SafeTensorsFile(path: path)
        let out = temporary("model.safetensors")
        try SafeTensorsFile.encode(file.entries.map {
            SafeTensorsTensor(name: $0.name, shape: $0.shape, dtype: $0.dtype, values: file.values($0))
        }).write(to: URL(fileURLWithPath: out))
        let reread = try SafeTensorsFile(path: out)
        for entry in file.entries {
            #expect(reread.bytes(try #require(reread.entry(entry.name))) == file.bytes(entry), "\(entry.name)")
        }
    }

    static let malformed: [(name: String, expected: String)] = [
        ("truncated", "truncated: 5 bytes, fewer than the 8-byte header length"),
        ("header past end", "header length 4096 runs past the end of the file"),
        ("offsets past end", "tensor b: data offsets [24, 48) run past the end of the data (40 bytes)"),
        ("overlap", "tensor b: data offsets [16, 32) overlap tensor a"),
        ("wrong width", "tensor a: holds 24 bytes, but shape [2, 3] of F64 needs 48"),
        ("unknown dtype", "tensor a: dtype I8 is not one of F64, F32, F16, BF16"),
        ("overflowing shape", "tensor a: shape [4294967296, 4294967296] has more elements than a 64-bit count holds"),
        ("boolean shape", "tensor a: shape must be a list of non-negative integers"),
        ("duplicate name", "the header names a tensor twice: the key \"a\" appears twice in one object"),
    ]

    // A header listing more tensors than the reader expects is refused from a count of its bytes,
    // before a JSON tree of them is built.
    @Test func headersListingMoreTensorsThanExpectedAreRefusedUnparsed() {
        let entries = (0..<1_000).map { "\"t\($0)\":{\"dtype\":\"F64\",\"shape\":[0],\"data_offsets\":[0,0]}" }
        let file = withHeader("{" + entries.joined(separator: ",") + "}", data: Data())
        let error = #expect(throws: FileError.self) { try SafeTensorsFile(file, path: "m.safetensors", maximumEntries: 33) }
        #expect(error?.description == "m.safetensors: the header lists 1000 tensors; at most 33 are expected here", "\(String(describing: error))")
        #expect(throws: Never.self) { try SafeTensorsFile(file, path: "m.safetensors", maximumEntries: 1_000) }
    }

    func corrupted(_ name: String) -> Data {
        let data = dataSection
        switch name {
        case "truncated": return validFile().prefix(5)
        case "header past end":
            var bytes = validFile()
            withUnsafeBytes(of: UInt64(4096).littleEndian) { bytes.replaceSubrange(0..<8, with: $0) }
            return bytes
        case "offsets past end":
            return withHeader(#"{"a":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]},"b":{"dtype":"F64","shape":[3],"data_offsets":[24,48]}}"#, data: data)
        case "overlap":
            return withHeader(#"{"a":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]},"b":{"dtype":"F64","shape":[2],"data_offsets":[16,32]}}"#, data: data)
        case "wrong width":
            return withHeader(#"{"a":{"dtype":"F64","shape":[2,3],"data_offsets":[0,24]},"b":{"dtype":"F64","shape":[2],"data_offsets":[24,40]}}"#, data: data)
        case "overflowing shape":
            return withHeader(#"{"a":{"dtype":"F64","shape":[4294967296,4294967296],"data_offsets":[0,24]}}"#, data: data)
        case "duplicate name":
            return withHeader(#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"a":{"dtype":"F64","shape":[2],"data_offsets":[8,24]}}"#, data: data)
        case "boolean shape":
            return withHeader(#"{"a":{"dtype":"F64","shape":[true,3],"data_offsets":[0,24]}}"#, data: data)
        default:
            return withHeader(#"{"a":{"dtype":"I8","shape":[2,3],"data_offsets":[0,24]}}"#, data: data)
        }
    }

    @Test(arguments: malformed.map(\.name))
    func malformedFileGetsAClearError(name: String) {
        let expected = Self.malformed.first { $0.name == name }!.expected
        let error = #expect(throws: FileError.self) { try SafeTensorsFile(corrupted(name), path: "m.safetensors") }
        #expect(error?.description.hasPrefix("m.safetensors: " + expected) == true, "\(String(describing: error))")
    }

    @Test(.enabled(if: Fixture.present, "fixture absent"))
    func missingTensorAndShapeMismatchNameTheTensor() throws {
        let source = try SafeTensorsFile(path: Fixture.root + "/finetuned/model.safetensors")
        func checkpoint(_ edit: (inout [SafeTensorsTensor]) -> Void) throws -> String {
            var tensors = source.entries.map { SafeTensorsTensor(name: $0.name, shape: $0.shape, dtype: $0.dtype, values: source.values($0)) }
            edit(&tensors)
            let dir = (temporary("x") as NSString).deletingLastPathComponent
            try FileManager.default.copyItem(atPath: Fixture.root + "/finetuned/config.json", toPath: dir + "/config.json")
            try SafeTensorsFile.encode(tensors).write(to: URL(fileURLWithPath: dir + "/model.safetensors"))
            return dir
        }
        let missing = try checkpoint { $0.removeAll { $0.name == "transformer.h.1.ln_2.bias" } }
        let e1 = #expect(throws: FileError.self) { try GPT2Parameters.load(directory: missing) }
        #expect(e1?.description == "\(missing)/model.safetensors: tensor h.1.ln_2.bias: missing (expected shape [32])")
        let reshaped = try checkpoint { t in
            let i = t.firstIndex { $0.name == "transformer.ln_f.bias" }!
            t[i] = SafeTensorsTensor(name: t[i].name, shape: [4, 8], dtype: .f32, values: t[i].values)
        }
        let e2 = #expect(throws: FileError.self) { try GPT2Parameters.load(directory: reshaped) }
        #expect(e2?.description == "\(reshaped)/model.safetensors: tensor transformer.ln_f.bias: shape [4, 8] does not match the config's [32]")
    }

    @Test(.enabled(if: Fixture.present, "fixture absent"))
    func checkpointWrittenByTheToolkitLoadsUnchangedWithTheSameBytes() throws {
        let source = Fixture.root + "/finetuned"
        let parameters = try GPT2Parameters.load(directory: source)
        let dir = (temporary("x") as NSString).deletingLastPathComponent + "/checkpoint"
        try parameters.save(directory: dir)
        let reloaded = try GPT2Parameters.load(directory: dir)
        #expect(reloaded.config == parameters.config)
        #expect(reloaded.values == parameters.values)
        let original = try SafeTensorsFile(path: source + "/model.safetensors")
        let written = try SafeTensorsFile(path: dir + "/model.safetensors")
        for entry in original.entries {
            #expect(written.bytes(try #require(written.entry(entry.name))) == original.bytes(entry), "\(entry.name)")
        }
    }

    /// Issue 12: config values that are not sizes, architectures too large to count or to hold, and
    /// non-finite weights are refused with the file, the key or tensor, and what was expected.
    @Test func hostileConfigsAndWeightsAreRefusedBeforeUse() throws {
        let config = GPT2Config(layers: 1, channels: 8, heads: 2, maxPositions: 6, vocabulary: 16)
        #expect(config.checkedParameterCount == GPT2Parameters(config: config).count)
        let dir = (temporary("x") as NSString).deletingLastPathComponent
        func write(_ edit: (inout [String: Any]) -> Void) throws -> String {
            try GPT2Parameters.randomInitialization(config: config, seed: 1).save(directory: dir)
            var json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/config.json"))) as? [String: Any])
            edit(&json)
            try JSONSerialization.data(withJSONObject: json).write(to: URL(fileURLWithPath: dir + "/config.json"))
            return dir
        }
        // Issue 19: every key of Hugging Face's GPT2Config that changes the model is honoured or refused by name.
        for (edit, message) in [({ (j: inout [String: Any]) in j["n_embd"] = true }, "n_embd must be a positive integer of at most 2^31 (found true)"),
                                ({ (j: inout [String: Any]) in j["model_type"] = "bert" }, "model_type is \"bert\""),
                                ({ (j: inout [String: Any]) in j["layer_norm_epsilon"] = "x" }, "layer_norm_epsilon must be a finite number > 0 (found \"x\")"),
                                ({ (j: inout [String: Any]) in j["layer_norm_epsilon"] = -1 }, "layer_norm_epsilon must be a finite number > 0 (found -1)"),
                                ({ (j: inout [String: Any]) in j["scale_attn_weights"] = false }, "scale_attn_weights is false"),
                                ({ (j: inout [String: Any]) in j["scale_attn_by_inverse_layer_idx"] = true }, "scale_attn_by_inverse_layer_idx is true"),
                                ({ (j: inout [String: Any]) in j["add_cross_attention"] = true }, "add_cross_attention is true"),
                                ({ (j: inout [String: Any]) in j["activation_function"] = "relu" }, "activation_function is \"relu\""),
                                ({ (j: inout [String: Any]) in j["n_layer"] = 1e300 }, "n_layer must be a positive integer of at most 2^31"),
                                ({ (j: inout [String: Any]) in j["n_embd"] = 1 << 30; j["n_head"] = 1 }, "the parameter count of this architecture overflows"),
                                ({ (j: inout [String: Any]) in j["n_layer"] = 1 << 28 }, "more than this machine's")] as [((inout [String: Any]) -> Void, String)] {
            let error = #expect(throws: FileError.self) { try GPT2Parameters.load(directory: try write(edit)) }
            #expect(error?.description.contains(message) == true, "\(String(describing: error))")
        }
        // Within memory but larger than the file: refused at the first missing tensor, before the parameters are allocated.
        let bigger = #expect(throws: FileError.self) { try GPT2Parameters.load(directory: try write { $0["n_layer"] = 1000 }) }
        #expect(bigger?.description.contains("tensor h.1.ln_1.weight: missing (expected shape [8])") == true, "\(String(describing: bigger))")

        var poisoned = GPT2Parameters.randomInitialization(config: config, seed: 1)
        poisoned.values[poisoned.layout.ranges.lnfw.lowerBound] = .nan
        try poisoned.save(directory: dir, dtype: .f64)
        let nan = #expect(throws: FileError.self) { try GPT2Parameters.load(directory: dir) }
        #expect(nan?.description.contains("tensor transformer.ln_f.weight: holds a non-finite value") == true, "\(String(describing: nan))")
    }
}
