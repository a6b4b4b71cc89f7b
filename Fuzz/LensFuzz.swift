import Curves
import Foundation
import Models
import Theory

/// libFuzzer targets for every parser that reads a user's file: the safetensors header and tensor
/// table (with every tensor's conversion to Float64), `config.json`, both curves-CSV layouts, both
/// token formats, the candidate manifest (JSON) and the Corollary 1 manifest (CSV). Built by `scripts/fuzz TARGET SECONDS` with `-sanitize=fuzzer,address` and
/// `-DFUZZING`; without FUZZING this is a plain executable that replays files through a target
/// (`lens-fuzz TARGET FILE...`), which is how a crash the fuzzer found is reproduced.
enum FuzzTarget: String, CaseIterable {
    case safetensors, config, csv
    case tokensJSON = "tokens-json"
    case tokensBinary = "tokens-binary"
    case manifest
    case corollaryManifest = "corollary-manifest"

    /// Parses `data`; every outcome but a crash, a hang or a leak is a pass.
    func exercise(_ data: Data) {
        switch self {
        case .safetensors:
            if let file = try? SafeTensorsFile(data, path: "fuzz") { for entry in file.entries { _ = file.values(entry) } }
        case .config: _ = try? GPT2Config.decode(data, path: "fuzz")
        case .csv: _ = try? CurveFile.parse(String(decoding: data, as: UTF8.self), source: "fuzz")
        case .tokensJSON: _ = try? TokenFile.decodeJSON(data, path: "fuzz", split: "train", vocabulary: 256)
        case .tokensBinary: _ = try? TokenFile.decodeBinary(data, path: "fuzz", context: 8, vocabulary: 300)
        case .manifest: _ = try? CandidateManifest.decode(data, path: "/fuzz/manifest.json")
        case .corollaryManifest: _ = try? CorollaryManifest.parse(data, path: "/fuzz/manifest.csv")
        }
    }
}

#if FUZZING
/// The target, chosen by the environment (libFuzzer owns the command line).
let selectedTarget: FuzzTarget = {
    guard let name = ProcessInfo.processInfo.environment["LENS_FUZZ_TARGET"], let target = FuzzTarget(rawValue: name) else {
        fatalError("set LENS_FUZZ_TARGET to one of " + FuzzTarget.allCases.map(\.rawValue).joined(separator: ", "))
    }
    return target
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func lensFuzzOne(_ bytes: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    selectedTarget.exercise(bytes.map { Data(bytes: $0, count: size) } ?? Data())
    return 0
}

/// libFuzzer's driver, for executables whose `main` is their own (SwiftPM links an executable's
/// entry point under its own name).
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(_ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
                         _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt) -> CInt

@_cdecl("lens_fuzz_main")
public func lensFuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var count = argc, arguments = argv
    return LLVMFuzzerRunDriver(&count, &arguments) { bytes, size in lensFuzzOne(bytes, size) }
}
#else
@main
struct LensFuzz {
    static func main() {
        let arguments = CommandLine.arguments.dropFirst()
        guard let name = arguments.first, let target = FuzzTarget(rawValue: name) else {
            FileHandle.standardError.write(Data("usage: lens-fuzz \(FuzzTarget.allCases.map(\.rawValue).joined(separator: "|")) FILE...\n".utf8))
            exit(2)
        }
        for path in arguments.dropFirst() {
            guard let data = FileManager.default.contents(atPath: path) else {
                FileHandle.standardError.write(Data("lens-fuzz: cannot read \(path)\n".utf8))
                exit(1)
            }
            target.exercise(data)
        }
        print("replayed \(arguments.count - 1) file(s) through \(target.rawValue)")
    }
}
#endif
