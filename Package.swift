// swift-tools-version:6.0
import PackageDescription

/// The numerical modules are compiled with `-O` in debug builds too: the tests then run the code that ships
/// (a debug and a release `lens demo --quick` write the same bytes, checkpoints included), and the GPT-2
/// engine, Lanczos and the curve fits run about eight times faster than unoptimised (the suite: 132 s
/// instead of 300 s on a 2-core machine).
let numerics: [SwiftSetting] = [.unsafeFlags(["-O"], .when(configuration: .debug))]

let package = Package(
    name: "LensLLM",
    products: [
        .executable(name: "lens", targets: ["lens"]),
        .library(name: "Curves", targets: ["Curves"]),
        .library(name: "LinearAlgebra", targets: ["LinearAlgebra"]),
        .library(name: "Reports", targets: ["Reports"]),
        .library(name: "Hessian", targets: ["Hessian"]),
        .library(name: "Models", targets: ["Models"]),
        .library(name: "Theory", targets: ["Theory"]),
        .library(name: "Timings", targets: ["Timings"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // System libraries from Debian (see scripts/install-deps): module maps only.
        .systemLibrary(name: "_CBLAS", path: "Sources/_CBLAS"),
        .systemLibrary(name: "_CLAPACKE", path: "Sources/_CLAPACKE"),
        .systemLibrary(name: "_CGSL", path: "Sources/_CGSL"),
        // Whole-or-nothing file writes for reports and checkpoints (implementation detail).
        .systemLibrary(name: "_CFiles", path: "Sources/_CFiles"),
        .target(name: "_Files", dependencies: ["_CFiles"]),

        // Thin, safe Swift over BLAS, LAPACK and GSL.
        .target(name: "LinearAlgebra", dependencies: ["_CBLAS", "_CLAPACKE", "_CGSL"], swiftSettings: numerics),
        // Symmetric operators, Lanczos, quadrature, traces and spectral densities.
        .target(name: "Hessian", dependencies: ["LinearAlgebra"], swiftSettings: numerics),
        // safetensors checkpoints and the GPT-2 engine: forward, backward and tangent passes.
        .target(name: "Models", dependencies: ["LinearAlgebra", "Hessian", "_Files"], swiftSettings: numerics),
        // Loss curves in; transitions, laws, fits, selection and metrics out.
        .target(name: "Curves", dependencies: ["LinearAlgebra", "_Files"], swiftSettings: numerics),
        // Analyses of checkpoints: pairs and their block curvature, Theorem 1/2's Hessian terms and bound, Corollary 1 across data sizes.
        .target(name: "Theory", dependencies: ["Curves", "Hessian", "LinearAlgebra", "Models", "_Files"], swiftSettings: numerics),
        // Markdown and SVG writers of the values the other modules compute; no numerics of their own.
        .target(name: "Reports", dependencies: ["Curves", "Hessian", "Models", "Theory", "Timings", "_Files"]),
        // Speed measurements for `lens bench`, each against a baseline timed in the same run.
        .target(name: "Timings", dependencies: ["Curves", "Hessian", "LinearAlgebra", "Models", "Theory"]),
        // The command line: parsing, progress, exit codes; no numerics.
        .executableTarget(name: "lens", dependencies: [
            "Curves", "Models", "Reports", "Theory", "Timings", "_Files",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),

        // libFuzzer targets for the parsers of users' files (scripts/fuzz); a replayer otherwise.
        .executableTarget(name: "lens-fuzz", dependencies: ["Curves", "Models", "Theory"], path: "Fuzz", exclude: ["corpus"]),
        // One executable numerical check per claim of the paper, each ending in a verdict (proofs-checks/).
        .executableTarget(name: "proofs-checks", dependencies: [
            "Curves", "LinearAlgebra", "Models", "Reports", "Theory", "_Files",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ], path: "proofs-checks"),

        // What the test targets share: fixture paths, golden files, seeded small models.
        .target(name: "TestSupport", dependencies: ["LinearAlgebra", "Models"], path: "Tests/TestSupport"),
        .testTarget(name: "LinearAlgebraTests", dependencies: ["LinearAlgebra"]),
        .testTarget(name: "HessianTests", dependencies: ["TestSupport", "Hessian", "LinearAlgebra"]),
        .testTarget(name: "ModelsTests", dependencies: ["TestSupport", "Models", "Hessian", "LinearAlgebra"]),
        .testTarget(name: "CurvesTests", dependencies: ["TestSupport", "Curves", "LinearAlgebra"]),
        .testTarget(name: "TheoryTests", dependencies: ["TestSupport", "Theory", "Curves", "Models", "Hessian", "LinearAlgebra"]),
        .testTarget(name: "ReportsTests", dependencies: ["TestSupport", "Reports", "Curves", "Hessian", "Theory", "_Files"]),
        .testTarget(name: "proofs-checksTests", dependencies: ["proofs-checks", "Theory"], path: "Tests/proofs-checksTests"),
        .testTarget(name: "lensTests", dependencies: ["TestSupport", "lens", "Curves", "LinearAlgebra", "Models", "Theory", "_Files"]),
    ]
)
