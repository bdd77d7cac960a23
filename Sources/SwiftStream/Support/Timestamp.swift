#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// An instant with nanosecond precision (Unix epoch based), as listing timestamps carry.
public struct Timestamp: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// Whole seconds since 1970-01-01T00:00:00Z (floor).
    public let seconds: Int64
    /// Nanoseconds within the second, 0..<1_000_000_000.
    public let nanosecond: Int64

    /// Seconds and nanoseconds are stored apart so that Go's zero time (year 1) and dates past
    /// 2262 are representable, which a single Int64 of nanoseconds is not.
    public init(seconds: Int64, nanoseconds: Int64 = 0) {
        let carry = nanoseconds >= 0 ? nanoseconds / 1_000_000_000 : -((-nanoseconds + 999_999_999) / 1_000_000_000)
        self.seconds = seconds + carry
        self.nanosecond = nanoseconds - carry * 1_000_000_000
    }

    public init(nanoseconds: Int64) { self.init(seconds: 0, nanoseconds: nanoseconds) }

    /// Nanoseconds since the epoch, saturating outside 1678...2262.
    public var nanoseconds: Int64 {
        let (product, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        if overflow { return seconds < 0 ? .min : .max }
        let (sum, overflow2) = product.addingReportingOverflow(nanosecond)
        return overflow2 ? .max : sum
    }

    /// Go's zero `time.Time` (0001-01-01T00:00:00Z), printed for generations with no objects.
    public static let zero = Timestamp(seconds: -62_135_596_800)

    public static func now() -> Timestamp {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Timestamp(seconds: Int64(ts.tv_sec), nanoseconds: Int64(ts.tv_nsec))
    }

    public static func < (a: Timestamp, b: Timestamp) -> Bool { (a.seconds, a.nanosecond) < (b.seconds, b.nanosecond) }

    /// RFC 3339 in UTC with second precision: `2006-01-02T15:04:05Z`.
    public var rfc3339: String { Timestamp.format(seconds: seconds) }

    public var description: String { rfc3339 }

    /// RFC 3339 UTC with nanoseconds (trailing zeros trimmed), for JSON output.
    public var rfc3339Nano: String {
        let frac = nanosecond
        var base = Timestamp.format(seconds: seconds)
        if frac != 0 {
            base.removeLast()
            var digits = String(frac)
            digits = String(repeating: "0", count: 9 - digits.count) + digits
            while digits.hasSuffix("0") { digits.removeLast() }
            base += "." + digits + "Z"
        }
        return base
    }

    static func format(seconds: Int64) -> String {
        var days = seconds >= 0 ? seconds / 86400 : -((-seconds + 86399) / 86400)
        let secs = seconds - days * 86400
        days += 719_468
        let era = (days >= 0 ? days : days - 146_096) / 146_097
        let doe = days - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        var y = yoe + era * 400
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        if m <= 2 { y += 1 }
        func pad(_ v: Int64, _ w: Int) -> String {
            let s = String(v)
            return s.count >= w ? s : String(repeating: "0", count: w - s.count) + s
        }
        return
            "\(pad(y, 4))-\(pad(m, 2))-\(pad(d, 2))T\(pad(secs / 3600, 2)):\(pad(secs / 60 % 60, 2)):\(pad(secs % 60, 2))Z"
    }

    static func daysFromCivil(_ year: Int64, _ month: Int64, _ day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = month > 2 ? month - 3 : month + 9
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// Parses RFC 3339 (`2006-01-02T15:04:05Z`, `…+02:00`, fractional seconds allowed; a zone is
    /// required), as Go's `time.Parse(time.RFC3339, …)` does. Returns nil when malformed.
    public static func parseRFC3339(_ text: String) -> Timestamp? {
        let b = Array(text.utf8)
        func num(_ from: Int, _ count: Int) -> Int64? {
            guard from + count <= b.count else { return nil }
            var v: Int64 = 0
            for i in from..<(from + count) {
                guard b[i] >= 48 && b[i] <= 57 else { return nil }
                v = v * 10 + Int64(b[i] - 48)
            }
            return v
        }
        guard b.count >= 20, let year = num(0, 4), b[4] == 45, let month = num(5, 2), b[7] == 45,
            let day = num(8, 2), b[10] == 84 || b[10] == 116, let hour = num(11, 2), b[13] == 58,
            let minute = num(14, 2), b[16] == 58, let second = num(17, 2)
        else { return nil }
        guard (1...12).contains(month), day >= 1, hour < 24, minute < 60, second < 60 else { return nil }
        let monthDays: [Int64] = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
        guard day <= monthDays[Int(month - 1)] + (month == 2 && leap ? 1 : 0) else { return nil }
        var i = 19
        var frac: Int64 = 0
        if i < b.count && (b[i] == 46 || b[i] == 44) {
            i += 1
            var digits = 0
            while i < b.count && b[i] >= 48 && b[i] <= 57 {
                if digits < 9 { frac = frac * 10 + Int64(b[i] - 48) }
                digits += 1
                i += 1
            }
            guard digits > 0 else { return nil }
            if digits < 9 { for _ in digits..<9 { frac *= 10 } }
        }
        guard i < b.count else { return nil }
        var offset: Int64 = 0
        if b[i] == 90 || b[i] == 122 {
            i += 1
        } else if b[i] == 43 || b[i] == 45 {
            guard let oh = num(i + 1, 2), i + 3 < b.count, b[i + 3] == 58, let om = num(i + 4, 2), oh < 24, om < 60
            else { return nil }
            offset = (oh * 3600 + om * 60) * (b[i] == 45 ? -1 : 1)
            i += 6
        } else {
            return nil
        }
        guard i == b.count else { return nil }
        let secs = daysFromCivil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second - offset
        return Timestamp(seconds: secs, nanoseconds: frac)
    }

    /// The timestamp of a `stat` result's modification time.
    public init(_ ts: timespec) {
        self.init(seconds: Int64(ts.tv_sec), nanoseconds: Int64(ts.tv_nsec))
    }
}
