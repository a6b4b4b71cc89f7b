/// Vectorised exponentials over buffers, for the softmax and log-sum-exp of a language-model head,
/// where the exponential of N V logits would otherwise rival the matrix products.
///
/// exp(x) = 2ⁿ eʳ with n = round(x / ln 2) and r = x − n ln 2 (Cody–Waite: ln 2 split in two so that
/// n ln2_hi is exact), |r| ≤ ln 2 / 2, and eʳ by its Taylor polynomial of degree 13, whose remainder
/// (ln 2 / 2)¹⁴ / 14! < 5·10⁻¹⁸ is below half an ulp. 2ⁿ is assembled from the bits of the rounded
/// value, without an integer conversion (which the compiler does not vectorise). Measured relative
/// error against glibc: at most 2.3·10⁻¹⁶ on [−700, 700]. Arguments below −708 give ≈ e⁻⁷⁰⁸ instead of a
/// subnormal or 0 (absolute error < 10⁻³⁰⁷), arguments above 709 give e⁷⁰⁹; NaN stays NaN.
@inline(__always)
func vectorExp(_ x: SIMD8<Double>) -> SIMD8<Double> {
    var x = x  // clamped by masks: `clamped(lowerBound:upperBound:)` is not inlined
    x.replace(with: -708, where: x .< -708)
    x.replace(with: 709, where: x .> 709)
    let shifter = SIMD8<Double>(repeating: 0x1.8p52)  // adding it rounds to an integer held in the low bits
    let t = x * 1.4426950408889634 + shifter          // 1/ln 2
    let n = t - shifter
    let r = (x - n * 6.93147180369123816490e-01) - n * 1.90821492927058770002e-10
    var p = SIMD8<Double>(repeating: 1.0 / 6227020800)  // 1/13!, then Horner down to 1/0!
    p = p * r + 1.0 / 479001600; p = p * r + 1.0 / 39916800; p = p * r + 1.0 / 3628800
    p = p * r + 1.0 / 362880; p = p * r + 1.0 / 40320; p = p * r + 1.0 / 5040; p = p * r + 1.0 / 720
    p = p * r + 1.0 / 120; p = p * r + 1.0 / 24; p = p * r + 1.0 / 6; p = p * r + 0.5; p = p * r + 1; p = p * r + 1
    let scale = unsafeBitCast(t, to: SIMD8<UInt64>.self) &<< 52 &+ SIMD8(repeating: (1.0).bitPattern)
    return p * unsafeBitCast(scale, to: SIMD8<Double>.self)
}

extension Double {
    /// max xᵢ over the buffer (−∞ when empty; NaN if any element is NaN).
    /// - Complexity: O(count).
    public static func maximum(_ x: UnsafePointer<Double>, count: Int) -> Double {
        var m = SIMD8<Double>(repeating: -.infinity), nan = false
        for i in stride(from: 0, to: count, by: 8) {
            let v = lanes(x, i, count, padding: -.infinity)
            nan = nan || any(v .!= v)
            m.replace(with: v, where: v .> m)
        }
        return nan ? .nan : m.max()
    }

    /// Σᵢ exp(xᵢ − shift) over the buffer, replacing each xᵢ by exp(xᵢ − shift) when `store` is set.
    /// - Complexity: O(count).
    public static func sumOfExponentials(_ x: UnsafeMutablePointer<Double>, count: Int, shift: Double, store: Bool) -> Double {
        var sum = SIMD8<Double>(repeating: 0)
        for i in stride(from: 0, to: count, by: 8) {
            var e = vectorExp(lanes(x, i, count, padding: 0) - shift)
            for j in Swift.min(8, count - i)..<8 { e[j] = 0 }  // padding lanes add nothing
            if store { setLanes(e, x, i, count) }
            sum += e
        }
        return sum.sum()
    }

    /// yᵢ = tanh xᵢ over a buffer (y may be x), as sign(x) (1 − e)/(1 + e) with e = exp(−2|x|) from the
    /// vectorised exponential: absolute error of a few ulps of 1, everywhere (relative accuracy is lost
    /// only for |x| < 10⁻³ or so, where tanh x itself is below 10⁻³; GELU needs 1 ± tanh, not tanh).
    /// - Complexity: O(count).
    public static func tanh(_ x: UnsafePointer<Double>, into y: UnsafeMutablePointer<Double>, count: Int) {
        for i in stride(from: 0, to: count, by: 8) {
            let v = lanes(x, i, count, padding: 0)
            var a = v
            a.replace(with: -v, where: v .< 0)
            let e = vectorExp(-2 * a)
            var t = (1 - e) / (1 + e)
            t.replace(with: -t, where: v .< 0)
            setLanes(t, y, i, count)
        }
    }
}

/// x[i ..< min(i + 8, count)] as eight lanes, the lanes past the end set to `padding`.
@inline(__always)
private func lanes(_ x: UnsafePointer<Double>, _ i: Int, _ count: Int, padding: Double) -> SIMD8<Double> {
    if i + 8 <= count { return UnsafeRawPointer(x + i).loadUnaligned(as: SIMD8<Double>.self) }
    var v = SIMD8<Double>(repeating: padding)
    for j in 0..<(count - i) { v[j] = x[i + j] }
    return v
}

/// y[i ..< min(i + 8, count)] = the first lanes of v.
@inline(__always)
private func setLanes(_ v: SIMD8<Double>, _ y: UnsafeMutablePointer<Double>, _ i: Int, _ count: Int) {
    if i + 8 <= count { UnsafeMutableRawPointer(y + i).storeBytes(of: v, as: SIMD8<Double>.self); return }
    for j in 0..<(count - i) { y[i + j] = v[j] }
}
