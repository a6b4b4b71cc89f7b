import Foundation

/// A small SVG chart: markers, polylines, shaded x-intervals and vertical rules on linear or
/// logarithmic axes. Enough for loss curves and predicted-vs-true scatters; no numerics of its own.
public struct Plot {
    public enum Item {
        case points([(x: Double, y: Double)], label: String, color: String, hollow: Bool = false)
        case line([(x: Double, y: Double)], label: String, color: String, dashed: Bool = false)
        /// A shaded range of x, e.g. a transition's interval.
        case band(ClosedRange<Double>, label: String, color: String)
        case rule(x: Double, label: String, color: String)
        /// A vertical segment per point, e.g. a certified interval.
        case ranges([(x: Double, low: Double, high: Double)], label: String, color: String)
    }

    public var title: String
    public var xLabel: String
    public var yLabel: String
    public var logX: Bool
    public var logY: Bool
    public var items: [Item] = []
    public var width = 720.0
    public var height = 440.0
    /// Names for x = 0, 1, 2, …: a categorical axis, ticked at each category instead of at round numbers.
    public var xCategories: [String]?
    /// The y range shown, when the items' own would be dominated by a few of them (very wide intervals, say);
    /// what lies outside is cut at the plot's frame.
    public var yLimits: ClosedRange<Double>?

    public init(title: String, xLabel: String, yLabel: String, logX: Bool, logY: Bool) {
        (self.title, self.xLabel, self.yLabel, self.logX, self.logY) = (title, xLabel, yLabel, logX, logY)
    }

    public mutating func add(_ item: Item) { items.append(item) }

    /// A qualitative palette (Okabe–Ito), for series in order.
    public static let palette = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000"]

    /// The widest a string of `text` can be at `size` px in the sans-serif a renderer may substitute for
    /// Helvetica (DejaVu Sans, the widest common one): per character, narrow marks 0.35 em, capitals and wide
    /// letters 1.0 em, the rest 0.65 em, every figure rounded up. Layout leaves this much room, so nothing is cut.
    static func textWidth(_ text: String, size: Double) -> Double {
        text.reduce(0.0) { width, c in
            let em: Double = "ijlI.,:;'!|() ".contains(c) ? 0.35 : (c.isUppercase || "mwMW@%&".contains(c) ? 1.0 : 0.65)
            return width + em * size
        }
    }

    public func svg() -> String {
        let (top, bottom) = (36.0, 52.0)
        var xs: [Double] = [], ys: [Double] = []
        for item in items {
            switch item {
            case .points(let p, _, _, _), .line(let p, _, _, _):
                xs += p.map(\.x); ys += p.map(\.y)
            case .band(let r, _, _): xs += [r.lowerBound, r.upperBound]
            case .rule(let x, _, _): xs.append(x)
            case .ranges(let r, _, _): xs += r.map(\.x); ys += r.flatMap { [$0.low, $0.high] }
            }
        }
        if let categories = xCategories { xs += [-0.5, Double(categories.count) - 0.5] }
        if let yLimits { ys = [yLimits.lowerBound, yLimits.upperBound] }
        xs = xs.filter { $0.isFinite && (!logX || $0 > 0) }
        ys = ys.filter { $0.isFinite && (!logY || $0 > 0) }
        let xAxis = Axis(values: xs, log: logX), yAxis = Axis(values: ys, log: logY)
        let xTickLabels = xCategories ?? Axis.labels(xAxis.ticks), yTickLabels = Axis.labels(yAxis.ticks)
        // Margins from the text they hold: the y tick labels and the rotated y label on the left, the legend on
        // the right; the drawing widens rather than give the plot less than `width` - 260 (its room with a
        // legend of average length) or cut a legend.
        let labels = items.map(\.label).filter { !$0.isEmpty }
        let legendWidth = labels.map { Self.textWidth($0, size: 12) }.max() ?? 0
        let left = max(70, 6 + (yTickLabels.map { Self.textWidth($0, size: 12) }.max() ?? 0) + 30)
        let right = labels.isEmpty ? 20 : 34 + legendWidth + 12
        let width = max(self.width, left + right + self.width - 260)
        let plotW = width - left - right, plotH = height - top - bottom
        func px(_ x: Double) -> Double { left + xAxis.fraction(x) * plotW }
        func py(_ y: Double) -> Double { top + (1 - yAxis.fraction(y)) * plotH }

        var svg = """
        <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(width))" height="\(Int(height))" \
        viewBox="0 0 \(Int(width)) \(Int(height))" font-family="Helvetica, Arial, sans-serif" font-size="12">
        <rect width="100%" height="100%" fill="white"/>
        <text x="\(f(left + plotW / 2))" y="20" text-anchor="middle" font-size="14">\(escape(title))</text>

        """
        svg += "<clipPath id=\"area\"><rect x=\"\(f(left))\" y=\"\(f(top))\" width=\"\(f(plotW))\" height=\"\(f(plotH))\"/></clipPath>\n"
        let xTicks = xCategories.map { $0.indices.map(Double.init) } ?? xAxis.ticks
        for (t, label) in zip(xTicks, xTickLabels) {
            svg += "<line x1=\"\(f(px(t)))\" y1=\"\(f(top))\" x2=\"\(f(px(t)))\" y2=\"\(f(top + plotH))\" stroke=\"#e5e5e5\"/>\n"
            svg += "<text class=\"tick-x\" x=\"\(f(px(t)))\" y=\"\(f(top + plotH + 16))\" text-anchor=\"middle\">\(escape(label))</text>\n"
        }
        for (t, label) in zip(yAxis.ticks, yTickLabels) {
            svg += "<line x1=\"\(f(left))\" y1=\"\(f(py(t)))\" x2=\"\(f(left + plotW))\" y2=\"\(f(py(t)))\" stroke=\"#e5e5e5\"/>\n"
            svg += "<text class=\"tick-y\" x=\"\(f(left - 6))\" y=\"\(f(py(t) + 4))\" text-anchor=\"end\">\(escape(label))</text>\n"
        }
        svg += "<rect x=\"\(f(left))\" y=\"\(f(top))\" width=\"\(f(plotW))\" height=\"\(f(plotH))\" fill=\"none\" stroke=\"#555\"/>\n"
        svg += "<text x=\"\(f(left + plotW / 2))\" y=\"\(f(height - 12))\" text-anchor=\"middle\">\(escape(xLabel))</text>\n"
        svg += "<text transform=\"translate(16 \(f(top + plotH / 2))) rotate(-90)\" text-anchor=\"middle\">\(escape(yLabel))</text>\n"

        var legendY = top + 8
        /// An item with an empty label (a line joining points already in the legend) gets no entry.
        func legend(_ label: String, _ swatch: String) {
            guard !label.isEmpty else { return }
            svg += swatch
            svg += "<text x=\"\(f(left + plotW + 34))\" y=\"\(f(legendY + 4))\">\(escape(label))</text>\n"
            legendY += 18
        }
        let lx = left + plotW + 12
        for item in items {
            switch item {
            case .band(let r, let label, let color):
                let (a, b) = (px(r.lowerBound), px(r.upperBound))
                svg += "<rect x=\"\(f(min(a, b)))\" y=\"\(f(top))\" width=\"\(f(max(abs(b - a), 1.5)))\" height=\"\(f(plotH))\" fill=\"\(color)\" fill-opacity=\"0.15\" clip-path=\"url(#area)\"/>\n"
                legend(label, "<rect x=\"\(f(lx))\" y=\"\(f(legendY - 5))\" width=\"16\" height=\"10\" fill=\"\(color)\" fill-opacity=\"0.25\"/>\n")
            case .rule(let x, let label, let color):
                svg += "<line x1=\"\(f(px(x)))\" y1=\"\(f(top))\" x2=\"\(f(px(x)))\" y2=\"\(f(top + plotH))\" stroke=\"\(color)\" stroke-dasharray=\"2 3\" clip-path=\"url(#area)\"/>\n"
                legend(label, "<line x1=\"\(f(lx + 8))\" y1=\"\(f(legendY - 6))\" x2=\"\(f(lx + 8))\" y2=\"\(f(legendY + 6))\" stroke=\"\(color)\" stroke-dasharray=\"2 3\"/>\n")
            case .line(let p, let label, let color, let dashed):
                let visible = p.filter { $0.x.isFinite && $0.y.isFinite && (!logX || $0.x > 0) && (!logY || $0.y > 0) }
                let path = visible.map { "\(f(px($0.x))),\(f(py($0.y)))" }.joined(separator: " ")
                let dash = dashed ? " stroke-dasharray=\"6 4\"" : ""
                svg += "<polyline points=\"\(path)\" fill=\"none\" stroke=\"\(color)\" stroke-width=\"1.8\"\(dash) clip-path=\"url(#area)\"/>\n"
                legend(label, "<line x1=\"\(f(lx))\" y1=\"\(f(legendY))\" x2=\"\(f(lx + 16))\" y2=\"\(f(legendY))\" stroke=\"\(color)\" stroke-width=\"1.8\"\(dash)/>\n")
            case .ranges(let r, let label, let color):
                for q in r where q.x.isFinite && q.low.isFinite && q.high.isFinite && (!logY || q.low > 0) {
                    svg += "<line x1=\"\(f(px(q.x)))\" y1=\"\(f(py(q.low)))\" x2=\"\(f(px(q.x)))\" y2=\"\(f(py(q.high)))\" stroke=\"\(color)\" stroke-width=\"3\" stroke-opacity=\"0.5\" clip-path=\"url(#area)\"/>\n"
                }
                legend(label, "<line x1=\"\(f(lx + 8))\" y1=\"\(f(legendY - 6))\" x2=\"\(f(lx + 8))\" y2=\"\(f(legendY + 6))\" stroke=\"\(color)\" stroke-width=\"3\" stroke-opacity=\"0.5\"/>\n")
            case .points(let p, let label, let color, let hollow):
                let fill = hollow ? "white" : color
                for q in p where q.x.isFinite && q.y.isFinite && (!logX || q.x > 0) && (!logY || q.y > 0) {
                    svg += "<circle cx=\"\(f(px(q.x)))\" cy=\"\(f(py(q.y)))\" r=\"3.5\" fill=\"\(fill)\" stroke=\"\(color)\"/>\n"
                }
                legend(label, "<circle cx=\"\(f(lx + 8))\" cy=\"\(f(legendY))\" r=\"3.5\" fill=\"\(fill)\" stroke=\"\(color)\"/>\n")
            }
        }
        return svg + "</svg>\n"
    }

    private func f(_ x: Double) -> String { String(format: "%.1f", x) }
}

extension Plot.Item {
    /// The legend's words for the item ("" for none).
    var label: String {
        switch self {
        case .points(_, let label, _, _), .line(_, let label, _, _), .band(_, let label, _), .rule(_, let label, _), .ranges(_, let label, _):
            return label
        }
    }
}

extension Plot {

    private func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;")
    }
}

/// The range and ticks of one axis.
private struct Axis {
    let log: Bool
    let low: Double
    let high: Double
    let ticks: [Double]

    init(values: [Double], log: Bool) {
        self.log = log
        var lo = values.min() ?? 1, hi = values.max() ?? 10
        if lo == hi { (lo, hi) = log ? (lo / 2, hi * 2) : (lo - 1, hi + 1) }
        if log {
            let (a, b) = (Foundation.log10(lo), Foundation.log10(hi))
            let pad = (b - a) * 0.04
            let (l, h) = (a - pad, b + pad)
            (low, high) = (l, h)
            if h - l < 0.3 {
                // Less than a factor of two: round values at a linear step, placed on the log scale.
                ticks = Self.linearTicks(Foundation.pow(10, l), Foundation.pow(10, h))
            } else {
                let decades = Int(Foundation.floor(l))...Int(Foundation.ceil(h))
                let steps: [Double] = h - l > 2.5 ? [1] : (h - l > 0.8 ? [1, 2, 5] : [1, 1.5, 2, 3, 4, 5, 6, 8])
                ticks = decades.flatMap { d in steps.map { $0 * Foundation.pow(10, Double(d)) } }
                    .filter { Foundation.log10($0) >= l && Foundation.log10($0) <= h }
            }
        } else {
            let pad = (hi - lo) * 0.05
            (low, high) = (lo - pad, hi + pad)
            ticks = Self.linearTicks(low, high)
        }
    }

    /// About six round values (steps of 1, 2 or 5 times a power of ten) in [low, high].
    static func linearTicks(_ low: Double, _ high: Double) -> [Double] {
        let raw = (high - low) / 6
        let magnitude = Foundation.pow(10, Foundation.floor(Foundation.log10(raw)))
        let step = [1.0, 2, 5, 10].map { $0 * magnitude }.first { $0 >= raw }!
        return stride(from: Foundation.ceil(low / step) * step, through: high, by: step).map { $0 }
    }

    func fraction(_ x: Double) -> Double {
        log ? (Foundation.log10(x) - low) / (high - low) : (x - low) / (high - low)
    }

    /// One tick's label with `digits` significant figures: powers of ten from 1e4 as "1e4", other large values in
    /// exponent form.
    static func label(_ t: Double, digits: Int = 2) -> String {
        if t >= 1e4 {
            let e = Foundation.log10(t)
            if e == e.rounded() { return "1e\(Int(e))" }
            return String(format: "%.\(digits - 1)e", t).replacingOccurrences(of: "e+0", with: "e").replacingOccurrences(of: "e+", with: "e")
        }
        return Markdown.number(t, digits: digits)
    }

    /// The ticks' labels with the fewest significant figures (from 2) that tell every tick apart.
    static func labels(_ ticks: [Double]) -> [String] {
        for digits in 2...10 {
            let labels = ticks.map { label($0, digits: digits) }
            if Set(labels).count == labels.count { return labels }
        }
        return ticks.map { label($0, digits: 15) }
    }
}
