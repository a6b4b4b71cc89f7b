import Foundation

/// Exact expected outputs, one file each in `Tests/Goldens/`: a command's stdout, a rendered page.
///
/// `Golden.mismatch(actual, "name.txt")` is nil when the output equals the file byte for byte, else
/// says where they part. After an intended change, refresh every golden with
///
///     LENS_REFRESH_GOLDENS=1 OPENBLAS_NUM_THREADS=1 swift test --filter Golden
///
/// which writes the outputs as the new goldens (and passes), then review them with `git diff Tests/Goldens`.
public enum Golden {
    public static let directory = Paths.root.appendingPathComponent("Tests/Goldens").path
    public static var refreshing: Bool { ProcessInfo.processInfo.environment["LENS_REFRESH_GOLDENS"] != nil }

    public static func mismatch(_ actual: String, _ name: String) -> String? {
        let path = directory + "/" + name
        if refreshing {
            do { try actual.write(toFile: path, atomically: true, encoding: .utf8) } catch { return "\(path): cannot write (\(error))" }
            return nil
        }
        guard let expected = try? String(contentsOfFile: path, encoding: .utf8) else {
            return "\(path): no golden file (LENS_REFRESH_GOLDENS=1 writes it)"
        }
        guard actual != expected else { return nil }
        let (a, e) = (actual.components(separatedBy: "\n"), expected.components(separatedBy: "\n"))
        let line = zip(a, e).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? min(a.count, e.count)
        return "\(name) differs from line \(line + 1): got \"\(line < a.count ? a[line] : "<end>")\", expected \"\(line < e.count ? e[line] : "<end>")\""
    }
}
