import Foundation
import Testing

/// The PyTorch worker of `--engine torch`, where it is installed: the tests of the torch engine run with it
/// and skip, saying why, without it.
public enum Worker {
    /// LENS_PYTHON, else the environment `scripts/install-worker` makes (python/.venv).
    public static var python: String? {
        if let given = ProcessInfo.processInfo.environment["LENS_PYTHON"], !given.isEmpty { return given }
        let venv = Paths.root.appendingPathComponent("python/.venv/bin/python").path
        return FileManager.default.isExecutableFile(atPath: venv) ? venv : nil
    }
    public static var present: Bool { python != nil }
    public static let absent: Comment = "the PyTorch worker is not installed: bash scripts/install-worker (or set LENS_PYTHON)"
}
