import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The survey's time zone: an IANA name or a fixed offset such as `+07:00`.
enum TimeZones {
    /// Seconds east of UTC of `zone` at the instant `utcSeconds`, or nil for an unknown zone.
    static func offsetSeconds(_ zone: String, at utcSeconds: Int) -> Int? {
        if let fixed = fixedOffset(zone) { return fixed }
        guard let tz = TimeZone(identifier: zone) else { return nil }
        return tz.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(utcSeconds)))
    }

    /// `+07:00`, `-0330`, `+7`, `Z`, `UTC` as seconds east of UTC.
    static func fixedOffset(_ text: String) -> Int? {
        if text == "Z" || text == "UTC" { return 0 }
        guard let sign = text.first, sign == "+" || sign == "-" else { return nil }
        let digits = text.dropFirst().filter { $0 != ":" }
        guard !digits.isEmpty, digits.count <= 4, digits.allSatisfy(\.isNumber) else { return nil }
        let hours: Int, minutes: Int
        if digits.count <= 2 {
            hours = Int(digits)!
            minutes = 0
        } else {
            hours = Int(digits.prefix(digits.count - 2))!
            minutes = Int(digits.suffix(2))!
        }
        guard hours <= 14, minutes < 60 else { return nil }
        return (sign == "-" ? -1 : 1) * (hours * 3600 + minutes * 60)
    }
}

/// Names of legacy code pages for CSV files without a byte-order mark.
enum TextEncodingName {
    /// Whether iconv can convert from `name` to UTF-8.
    static func isKnown(_ name: String) -> Bool {
        guard !name.isEmpty else { return false }
        let cd = iconv_open("UTF-8", name)
        guard cd != iconv_t(bitPattern: -1) else { return false }
        iconv_close(cd)
        return true
    }
}
