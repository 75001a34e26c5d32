import CNumberText
import Foundation

/// Numbers as every release file writes them.
public enum NumberText {
    /// `sprintf("%.12g")`, as R writes the reference; `NA` for nil or a non-finite value.
    public static func g12(_ value: Double?) -> String {
        guard let value, value.isFinite else { return "NA" }
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 32) { buffer in
            let count = g12(value, into: buffer.baseAddress!)
            return String(decoding: UnsafeBufferPointer(start: buffer.baseAddress!, count: count), as: UTF8.self)
        }
    }

    /// `sprintf("%.12g")` of a finite value, appended; 0 (and −0) as `0`.
    public static func appendG12(_ value: Double, to bytes: inout [UInt8]) {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 32) { buffer in
            let count = g12(value, into: buffer.baseAddress!)
            bytes.append(contentsOf: UnsafeBufferPointer(start: buffer.baseAddress!, count: count))
        }
    }

    /// The decimal digits of `value`, a minus sign first if negative (`String(value)`), into
    /// `out` (20 bytes); returns how many.
    public static func digits(_ value: Int64, into out: UnsafeMutablePointer<UInt8>) -> Int {
        var n = 0
        if value < 0 {
            out[0] = UInt8(ascii: "-")
            n = 1
        }
        var rest = value.magnitude
        var count = 1
        var high = rest / 10
        while high > 0 {
            count += 1
            high /= 10
        }
        for i in stride(from: n + count - 1, through: n, by: -1) {
            out[i] = UInt8(ascii: "0") + UInt8(rest % 10)
            rest /= 10
        }
        return n + count
    }

    /// Writes `%.12g` of a finite value into `out` (32 bytes); returns the length.
    ///
    /// Most values: scaled by a power of ten to 12 digits (`twelveDigits`). Near a rounding
    /// boundary: from the shortest digits that read back as the value (Swift's `description`),
    /// rounded to 12 significant digits, instead of printf's exact decimal expansion (several
    /// thousand instructions a number). The two agree: a double's rounding
    /// interval is narrower than the spacing of 13-digit decimals, so the value and its
    /// shortest digits lie on the same side of every 12-digit rounding boundary, unless the
    /// shortest digits are that boundary (13 digits ending in 5) or the value is subnormal
    /// (its interval is wider); those two go to printf. Tested against printf on millions of
    /// values (`NumberTextTests`).
    public static func g12(_ value: Double, into out: UnsafeMutablePointer<UInt8>) -> Int {
        // A whole number of at most 12 digits (counts, answers, flags, ranks: about half of
        // estimates.csv) is what %.12g prints for it: its digits. 0 and −0 are `0`.
        if value == value.rounded(.towardZero), value.magnitude < 1e12 { return digits(Int64(value), into: out) }
        guard value.magnitude >= Double.leastNormalMagnitude else { return printf(value, into: out) }
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 32) { digitBuffer -> Int in
            let digits = digitBuffer.baseAddress!
            var count: Int
            // The scientific exponent: value = d.ddd × 10^x.
            var x: Int
            if let scaled = twelveDigits(value.magnitude) {
                x = scaled.x
                var d = scaled.digits
                count = 12
                while d % 10 == 0 {
                    d /= 10
                    count -= 1
                }
                for i in stride(from: count - 1, through: 0, by: -1) {
                    digits[i] = UInt8(ascii: "0") + UInt8(d % 10)
                    d /= 10
                }
            } else {
                let shortest = shortestDigits(value, into: digits)
                count = shortest.count
                x = shortest.point - 1
            }
            if count > 12 {
                if count == 13 && digits[12] == UInt8(ascii: "5") { return printf(value, into: out) }
                let up = digits[12] >= UInt8(ascii: "5")
                count = 12
                if up {
                    var i = 11
                    while i >= 0 && digits[i] == UInt8(ascii: "9") {
                        digits[i] = UInt8(ascii: "0")
                        i -= 1
                    }
                    if i >= 0 {
                        digits[i] += 1
                    } else {
                        digits[0] = UInt8(ascii: "1")
                        count = 1
                        x += 1
                    }
                }
                while count > 1 && digits[count - 1] == UInt8(ascii: "0") { count -= 1 }
            }
            var n = 0
            func put(_ byte: UInt8) {
                out[n] = byte
                n += 1
            }
            if value < 0 { put(UInt8(ascii: "-")) }
            if x < -4 || x >= 12 {
                put(digits[0])
                if count > 1 {
                    put(UInt8(ascii: "."))
                    for i in 1..<count { put(digits[i]) }
                }
                put(UInt8(ascii: "e"))
                put(x < 0 ? UInt8(ascii: "-") : UInt8(ascii: "+"))
                let e = abs(x)
                if e >= 100 { put(UInt8(ascii: "0") + UInt8(e / 100)) }
                put(UInt8(ascii: "0") + UInt8(e / 10 % 10))
                put(UInt8(ascii: "0") + UInt8(e % 10))
            } else if x >= 0 {
                for i in 0...x { put(i < count ? digits[i] : UInt8(ascii: "0")) }
                if count > x + 1 {
                    put(UInt8(ascii: "."))
                    for i in (x + 1)..<count { put(digits[i]) }
                }
            } else {
                put(UInt8(ascii: "0"))
                put(UInt8(ascii: "."))
                for _ in 0..<(-x - 1) { put(UInt8(ascii: "0")) }
                for i in 0..<count { put(digits[i]) }
            }
            return n
        }
    }

    /// 10⁰ … 10²², every power of ten a double holds exactly.
    static let exactPowersOfTen: [Double] = [
        1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20,
        1e21, 1e22,
    ]

    /// `magnitude` (positive, normal) rounded to 12 significant digits, as an integer of 12
    /// digits and the scientific exponent: magnitude ≈ digits × 10^(x − 11). Scaled by an
    /// exact power of ten, one correctly rounded product or quotient below 10¹²: within
    /// 2⁻¹⁴ of the exact one, so the rounding goes the same way as printf's exact expansion
    /// unless the part after the point is within 10⁻³ of a half; there (and for exponents past
    /// the exact powers) nil, and the shortest digits decide.
    static func twelveDigits(_ magnitude: Double) -> (digits: Int64, x: Int)? {
        var x = Int(log10(magnitude).rounded(.down))
        for _ in 0..<2 {
            let k = 11 - x
            guard k >= -22 && k <= 22 else { return nil }
            let scaled = k >= 0 ? magnitude * exactPowersOfTen[k] : magnitude / exactPowersOfTen[-k]
            // log10's estimate one off: the other exponent.
            if scaled < 1e11 {
                x -= 1
                continue
            }
            if scaled >= 1e12 {
                x += 1
                continue
            }
            let whole = scaled.rounded(.down)
            let fraction = scaled - whole
            guard abs(fraction - 0.5) >= 1e-3 else { return nil }
            var digits = Int64(whole) + (fraction > 0.5 ? 1 : 0)
            if digits == 1_000_000_000_000 {
                digits = 100_000_000_000
                x += 1
            }
            return (digits, x)
        }
        return nil
    }

    /// The shortest digits that read back as a finite, nonzero `value` (Swift's
    /// `description`), without sign, leading or trailing zeros, into `digits` (32 bytes):
    /// value = ±0.d₁d₂…d_count × 10^point.
    static func shortestDigits(_ value: Double, into digits: UnsafeMutablePointer<UInt8>) -> (count: Int, point: Int) {
        var text = value.description
        var count = 0
        var sawPoint = false
        var beforePoint = 0
        var exponent = 0
        var exponentSign = 1
        var inExponent = false
        text.withUTF8 { utf8 in
            for c in utf8 {
                switch c {
                case UInt8(ascii: "0")...UInt8(ascii: "9"):
                    if inExponent {
                        exponent = exponent * 10 + Int(c - UInt8(ascii: "0"))
                    } else if count > 0 || c != UInt8(ascii: "0") {
                        digits[count] = c
                        count += 1
                    } else if sawPoint {
                        // A leading zero after the point: one more place to the right.
                        beforePoint -= 1
                    }
                case UInt8(ascii: "."):
                    sawPoint = true
                    beforePoint = count
                case UInt8(ascii: "e"), UInt8(ascii: "E"): inExponent = true
                case UInt8(ascii: "-") where inExponent: exponentSign = -1
                default: break
                }
            }
        }
        // Digits before the point (or all of them), so value = 0.digits × 10^(point + exponent).
        let point = (sawPoint ? beforePoint : count) + exponentSign * exponent
        while count > 1 && digits[count - 1] == UInt8(ascii: "0") { count -= 1 }
        return (count, point)
    }

    /// `String(format: "%.<decimals>f", value)`, the same text (`-0.00` included), from the
    /// shortest digits rounded half up at the last decimal, as `g12` does and for the same
    /// reason: below 10^9 a double's rounding interval (at most 1.2 × 10^-7 wide) is narrower
    /// than a fifth decimal, so the value and its shortest digits lie on the same side of
    /// every rounding boundary of at most four decimals, unless the shortest digits are that
    /// boundary (a 5 just past the last decimal), which goes to printf, as do larger or
    /// non-finite values, subnormals and more decimals. Tested against printf
    /// (`NumberTextTests`).
    public static func fixed(_ value: Double, decimals: Int) -> String {
        guard value.isFinite, value.magnitude < 1e9, decimals >= 0, decimals <= 4,
              value == 0 || value.magnitude >= Double.leastNormalMagnitude
        else { return String(format: "%.\(decimals)f", value) }
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 96) { buffer -> String in
            let digits = buffer.baseAddress!
            let result = buffer.baseAddress! + 32
            let out = buffer.baseAddress! + 64
            // Integer digits and `decimals` decimals of |value|, as one digit string.
            var count = 0
            var point = 1
            if value != 0 { (count, point) = shortestDigits(value, into: digits) }
            // value = 0.digits × 10^point; keep the digits before position point + decimals.
            let keep = point + decimals
            // The first digit dropped decides (none dropped, or all of them below the last
            // decimal's half when keep < 0: down).
            var roundUp = false
            if keep >= 0 && keep < count {
                let next = digits[keep]
                // Exactly 5 past the last decimal: a tie only printf can settle.
                if next == UInt8(ascii: "5") && keep + 1 == count { return String(format: "%.\(decimals)f", value) }
                roundUp = next >= UInt8(ascii: "5")
            }
            // The result's digits, whole part and decimals, without point: `width` of them.
            let whole = max(point, 1)
            let width = whole + decimals
            result.initialize(repeating: UInt8(ascii: "0"), count: width + 1)
            // Digit i of the digit string sits at position (whole - point) + 1 + i of the
            // result (one spare place at the front for a carry).
            let shift = whole - point + 1
            for i in 0..<min(count, max(keep, 0)) { result[shift + i] = digits[i] }
            if roundUp {
                var i = width
                while result[i] == UInt8(ascii: "9") {
                    result[i] = UInt8(ascii: "0")
                    i -= 1
                }
                result[i] += 1
            }
            var n = 0
            if value.sign == .minus {
                out[n] = UInt8(ascii: "-")
                n += 1
            }
            let first = result[0] == UInt8(ascii: "0") ? 1 : 0
            for i in first...width {
                if i == whole + 1 {
                    out[n] = UInt8(ascii: ".")
                    n += 1
                }
                out[n] = result[i]
                n += 1
            }
            return String(decoding: UnsafeBufferPointer(start: out, count: n), as: UTF8.self)
        }
    }

    /// printf's own `%.12g`, through C (Swift's `withVaList` boxes each argument).
    static func printf(_ value: Double, into out: UnsafeMutablePointer<UInt8>) -> Int {
        out.withMemoryRebound(to: CChar.self, capacity: 32) { Int(cnumbertext_g12(value, $0)) }
    }
}
