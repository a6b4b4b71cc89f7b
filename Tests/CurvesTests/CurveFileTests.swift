import Curves
import TestSupport
import Testing

/// Reading curves: both layouts, quoting, and a located, actionable error for each bad input.
struct CurveFileTests {
    @Test func wideLayoutKeepsQuotedCommasZeroShotSizeAndFamily() throws {
        let set = try CurveFile.read(path: Paths.fixture("wide-quoted.csv"))
        #expect(set.curves.map(\.model) == ["org/model, with comma", "plain"])
        let first = set.curves[0]
        #expect(first.sizes == [200, 400, 800, 1600, 3200])
        #expect(first.losses == [3.5, 3.2, 3.0, 2.9, 2.8])
        #expect(first.zeroShot == 4.0)
        #expect(first.parameterCount == 124_000_000)
        #expect(first.family == "GPT2")
        #expect(set.curves[1].parameterCount == nil && set.curves[1].family == nil)
    }

    @Test func longLayoutGroupsPointsByModelInFileOrder() throws {
        let set = try CurveFile.read(path: Paths.fixture("long.csv"))
        #expect(set.curves.map(\.model) == ["a,b", "c"])
        #expect(set.curves[0].zeroShot == 4.0 && set.curves[0].sizes == [200, 400])
        #expect(set.curves[1].losses == [3.9, 3.6] && set.curves[1].zeroShot == nil)
    }

    @Test func crlfLineEndingsAndBlankLinesAreAccepted() throws {
        let set = try CurveFile.parse("config name,200,400\r\n\r\nm,3.5,3.0\r\n", source: "t.csv")
        #expect(set.curves[0].losses == [3.5, 3.0])
    }

    /// The message each bad file must produce, with file:line:column.
    static let badFiles: [(file: String, message: String)] = [
        ("non-numeric.csv", "non-numeric.csv:2:3: expected a positive loss, found \"abc\" (model m, size 200)"),
        ("nan.csv", "nan.csv:2:4: expected a positive loss, found \"nan\" (model m, size 400)"),
        ("infinite.csv", "infinite.csv:2:3: expected a positive loss, found \"inf\" (model m, size 200)"),
        ("non-positive.csv", "non-positive.csv:2:4: expected a positive loss, found \"-1.5\" (model m, size 400)"),
        ("duplicate-size.csv", "duplicate-size.csv:1:5: size 200 appears twice (also column 3)"),
        ("unsorted-size.csv", "unsorted-size.csv:1:4: subset sizes must increase from left to right: 200 after 400"),
        ("long-duplicate.csv", "long-duplicate.csv:4:2: size 200 of model \"m\" appears twice (first on line 2)"),
        ("long-unsorted.csv", "long-unsorted.csv:3:2: sizes of model \"m\" must increase down the file: 200 after 400"),
        ("short-row.csv", "short-row.csv:2: expected 4 fields as in the header, found 3"),
        ("unclosed-quote.csv", "unclosed-quote.csv:2:1: a quoted field is not closed"),
        ("bad-header.csv", "bad-header.csv:1:4: expected a subset size (a whole number), \"size\" or \"family\", found \"banana\""),
        ("hex-float.csv", "hex-float.csv:2:3: expected a positive loss, found \"0x1.8p1\" (model a, size 200)"),
        ("nul-byte.csv", "nul-byte.csv:2:1: control character U+0000 in a field; a curves file is text"),
    ]

    @Test(arguments: badFiles.map(\.file))
    func badFileGetsALocatedError(file: String) throws {
        let expected = Self.badFiles.first { $0.file == file }!.message
        let error = #expect(throws: CurveError.self) { try CurveFile.read(path: Paths.fixture(file)) }
        #expect(error?.description == Paths.fixture(expected))
    }

    @Test func missingFileIsNamed() {
        let error = #expect(throws: CurveError.self) { try CurveFile.read(path: "/no/such/curves.csv") }
        #expect(error?.description.hasPrefix("/no/such/curves.csv: cannot read the file") == true)
    }

    @Test func tooFewPointsForAMethodNamesTheModelAndTheNeed() throws {
        let set = try CurveFile.read(path: Paths.fixture("too-few-points.csv"))
        let error = #expect(throws: CurveError.self) {
            try set.locating { () throws(CurveError) in try TransitionMethod.broken.estimate(set.curves[0]) }
        }
        #expect(error?.file == set.source, "the path is added where the file was read")
        #expect(error?.message == "model \"m\" has 3 points; the broken method needs at least 5")
        let fitError = #expect(throws: CurveError.self) {
            try LawKind.lensllm.fit(set.curves[0])
        }
        #expect(fitError?.message == "model \"m\" has 3 points in all; the lensllm law needs at least 4")
        #expect(fitError?.file == nil && fitError?.description == fitError?.message, "the numerics name no file")
    }

    @Test func unknownModelListsTheFilesModels() throws {
        let set = try CurveFile.read(path: Paths.fixture("long.csv"))
        let error = #expect(throws: CurveError.self) { try set.curve(named: "zzz") }
        #expect(error?.message == "no model named \"zzz\"; the file has \"a,b\", \"c\"")
    }
}
