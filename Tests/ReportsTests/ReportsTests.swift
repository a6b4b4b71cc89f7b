import _Files
import Curves
import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
@testable import Reports
import Testing

/// Reports are whole, well-formed files that say how they were made.
struct ReportsTests {
    func temporaryDirectory() throws -> String {
        let path = NSTemporaryDirectory() + "lens-reports-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    func isWellFormedXML(_ text: String) -> Bool { XMLParser(data: Data(text.utf8)).parse() }

    @Test func plotIsWellFormedSVGOnLogAndLinearAxes() {
        for (logX, logY) in [(true, true), (false, false)] {
            var plot = Plot(title: "a <b> & c", xLabel: "n", yLabel: "L", logX: logX, logY: logY)
            plot.add(.points([(200, 3), (400, 2.5), (800, 2.2)], label: "data", color: "#000"))
            plot.add(.line([(200, 3.1), (800, 2.1)], label: "fit", color: "#00f", dashed: true))
            plot.add(.band(300...500, label: "interval", color: "#f00"))
            plot.add(.rule(x: 400, label: "break", color: "#f00"))
            #expect(isWellFormedXML(plot.svg()))
        }
    }

    @Test func atomicWriteReplacesTheWholeFileAndLeavesNoTemporary() throws {
        let dir = try temporaryDirectory()
        let path = dir + "/r.md"
        try AtomicFile.write("first version, longer", to: path)
        try AtomicFile.write("second", to: path)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "second")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["r.md"])
    }

    @Test func atomicWriteThatFailsLeavesNothingBehind() throws {
        let dir = try temporaryDirectory()
        try AtomicFile.write("a file", to: dir + "/blocker")
        #expect(throws: (any Error).self) { try AtomicFile.write("x", to: dir + "/blocker/r.md") }
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["blocker"])
    }

    @Test func curveReportWritesAnIndexAndAPageAndPlotPerModel() throws {
        let dir = try temporaryDirectory()
        let curves = SyntheticCurves.candidates(count: 3, seed: 11)
        let analyses = curves.map { CurveAnalysis($0) }
        try CurveReport.write(analyses, source: "synthetic", provenance: "Produced by a test.", to: dir)
        let files = Set(try FileManager.default.contentsOfDirectory(atPath: dir))
        #expect(files == Set(["index.md", Ownership.marker] + curves.flatMap { ["\($0.model).md", "\($0.model).svg"] }))
        let index = try String(contentsOfFile: dir + "/index.md", encoding: .utf8)
        #expect(index.contains("Produced by a test.") && index.contains("[synthetic-2](synthetic-2.md)"))
        let page = try String(contentsOfFile: dir + "/synthetic-1.md", encoding: .utf8)
        #expect(page.contains("## Transitions") && page.contains("## Fitted laws") && page.contains("lensllm"))
        #expect(isWellFormedXML(try String(contentsOfFile: dir + "/synthetic-1.svg", encoding: .utf8)))
    }

    @Test func benchmarkReportShowsEveryMethodAndBudgetAndTheDataCost() throws {
        let set = CurveSet(source: "synthetic", curves: SyntheticCurves.candidates(count: 6, seed: 5))
        let p = BenchmarkProtocol()
        let entries = try p.run(set, dataset: "synthetic", methods: SelectionMethod.allCases)
        let text = BenchmarkReport.markdown(entries, protocol: p, provenance: "Produced by a test.")
        for method in SelectionMethod.allCases { #expect(text.contains("| \(method.rawValue) |")) }
        for budget in p.budgets { #expect(text.contains(p.ratioLabel(budget))) }
        #expect(text.contains("## Fine-tuning data each method consumes"))
        let json = BenchmarkReport.json(entries, protocol: p)
        let parsed = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [[String: Any]])
        #expect(parsed.count == 7 * SelectionMethod.allCases.count)
    }

    @Test func slugKeepsNamesReadableAndPathSafe() {
        #expect(CurveReport.slug("facebook/opt-1.3b") == "facebook_opt-1.3b")
        #expect(CurveReport.slug("a b,c") == "a_b_c")
    }

    // Issue 12, outputs: names that map to one file get distinct pages; cells keep their own '|' and
    // line breaks inside; undefined numbers say so.
    @Test func modelNamesThatCollideGetDistinctPagesAndTablesStayTables() {
        let slugs = CurveReport.slugs(["org/model", "org_model", "ORG_model", "index", "", ".hidden", "a|b"])
        #expect(slugs == ["org_model", "org_model-2", "ORG_model-3", "model_index", "model", "model.hidden", "a_b"])
        #expect(Set(slugs.map { $0.lowercased() }).count == slugs.count)
        let table = Markdown.table(["model", "x"], [["a|b\nc", Markdown.number(.nan)], ["d", Markdown.percent(.nan)]])
        #expect(table == "| model | x |\n|---|---:|\n| a\\|b c | undefined |\n| d | undefined |\n")
    }

    // Issue 19: counts beyond 32 bits are printed whole (a `%d` printed "-1524072160/1383849290").
    @Test func progressLinesPrintLargeCountsWhole() {
        let line = ProgressLine.text("forms", done: 3_000_000_000, of: 1_000_000_000_000, seconds: 30)
        #expect(line == "forms: 3000000000/1000000000000, 30 s elapsed, about 9970 s left", "\(line)")
        #expect(ProgressLine.text("forms", done: 0, of: 5, seconds: 3).hasSuffix("unknown time left"))
    }

    // A report directory is replaced whole: the old files go, the new ones arrive together, and a body
    // that fails leaves the old directory as it was and no staging directory behind.
    @Test func reportDirectoryIsReplacedWholeOrNotAtAll() throws {
        let parent = try temporaryDirectory(), dir = parent + "/report"
        try AtomicDirectory.write(to: dir) { try "old".write(toFile: $0 + "/old.md", atomically: true, encoding: .utf8) }
        try AtomicDirectory.write(to: dir) { try "new".write(toFile: $0 + "/new.md", atomically: true, encoding: .utf8) }
        #expect(try Set(FileManager.default.contentsOfDirectory(atPath: dir)) == ["new.md", Ownership.marker])
        struct Stop: Error {}
        #expect(throws: Stop.self) {
            try AtomicDirectory.write(to: dir) { staging in
                try "half".write(toFile: staging + "/half.md", atomically: true, encoding: .utf8)
                throw Stop()
            }
        }
        #expect(try Set(FileManager.default.contentsOfDirectory(atPath: dir)) == ["new.md", Ownership.marker])
        #expect(try FileManager.default.contentsOfDirectory(atPath: parent) == ["report"])
        try "x".write(toFile: parent + "/file", atomically: true, encoding: .utf8)
        #expect(throws: AtomicFile.Failure.self) { try AtomicDirectory.write(to: parent + "/file") { _ in } }
        // The marker lists what lens wrote; a file added since stops the next replacement and survives it.
        #expect(try String(contentsOfFile: dir + "/" + Ownership.marker, encoding: .utf8).hasSuffix("\nnew.md\n"))
        try "mine".write(toFile: dir + "/mine.md", atomically: true, encoding: .utf8)
        #expect(throws: AtomicFile.Failure.self) { try AtomicDirectory.write(to: dir) { _ in } }
        #expect(try String(contentsOfFile: dir + "/mine.md", encoding: .utf8) == "mine")
    }
}
