/// Go's `time.Duration` text forms, as Litestream's config file and `generations` output use them.
///
/// Durations are signed nanosecond counts (`Int64`), exactly like Go's `time.Duration`. The
/// formatting itself is the core's `Duration.goDescription`, which its log lines use too.
public enum GoDuration {
    /// One second in nanoseconds.
    public static let second: Int64 = 1_000_000_000

    /// An error from `parse(_:)`, with Go's `time.ParseDuration` message.
    public struct ParseError: Error, Sendable, Equatable, CustomStringConvertible {
        public var description: String
        public init(description: String) { self.description = description }
    }

    /// Parses Go duration syntax (`time.ParseDuration`): an optional sign, then one or more
    /// `<decimal number><unit>` with units `ns`, `us`/`µs`/`μs`, `ms`, `s`, `m`, `h`
    /// (`1h30m`, `1.5s`, `-2m`); the unitless `0` is also accepted. There are no days.
    public static func parse(_ text: String) throws(ParseError) -> Int64 {
        let quoted = "\"" + text + "\""
        var bytes = Array(text.utf8)[...]
        var negative = false
        if let first = bytes.first, first == UInt8(ascii: "-") || first == UInt8(ascii: "+") {
            negative = first == UInt8(ascii: "-")
            bytes = bytes.dropFirst()
        }
        if bytes.elementsEqual("0".utf8) { return 0 }
        if bytes.isEmpty { throw ParseError(description: "time: invalid duration " + quoted) }

        var total: UInt64 = 0
        while !bytes.isEmpty {
            // The next character must be [0-9.].
            guard let c = bytes.first, c == UInt8(ascii: ".") || isDigit(c) else {
                throw ParseError(description: "time: invalid duration " + quoted)
            }
            // Integer part.
            let beforeInteger = bytes.count
            var whole: UInt64 = 0
            var overflow = false
            while let d = bytes.first, isDigit(d) {
                let (m, o1) = whole.multipliedReportingOverflow(by: 10)
                let (s, o2) = m.addingReportingOverflow(UInt64(d - 48))
                if o1 || o2 || s > 1 << 63 { overflow = true }
                whole = s
                bytes = bytes.dropFirst()
            }
            if overflow { throw ParseError(description: "time: invalid duration " + quoted) }
            let sawInteger = bytes.count != beforeInteger
            // Fraction part.
            var fraction: UInt64 = 0
            var scale: Double = 1
            var sawFraction = false
            if bytes.first == UInt8(ascii: ".") {
                bytes = bytes.dropFirst()
                let beforeFraction = bytes.count
                var fractionOverflow = false
                while let d = bytes.first, isDigit(d) {
                    if !fractionOverflow {
                        // Go stops accumulating digits once they would overflow; so do we.
                        let (m, o1) = fraction.multipliedReportingOverflow(by: 10)
                        let (s, o2) = m.addingReportingOverflow(UInt64(d - 48))
                        if o1 || o2 || s > 1 << 63 {
                            fractionOverflow = true
                        } else {
                            fraction = s
                            scale *= 10
                        }
                    }
                    bytes = bytes.dropFirst()
                }
                sawFraction = bytes.count != beforeFraction
            }
            if !sawInteger && !sawFraction { throw ParseError(description: "time: invalid duration " + quoted) }
            // Unit: everything up to the next '.' or digit.
            var unitBytes: [UInt8] = []
            while let u = bytes.first, u != UInt8(ascii: "."), !isDigit(u) {
                unitBytes.append(u)
                bytes = bytes.dropFirst()
            }
            if unitBytes.isEmpty { throw ParseError(description: "time: missing unit in duration " + quoted) }
            let unitText = String(decoding: unitBytes, as: UTF8.self)
            guard let unit = units[unitText] else {
                throw ParseError(description: "time: unknown unit \"\(unitText)\" in duration " + quoted)
            }
            let (scaled, o1) = whole.multipliedReportingOverflow(by: unit)
            if o1 || scaled > 1 << 63 { throw ParseError(description: "time: invalid duration " + quoted) }
            var value = scaled
            if fraction > 0 {
                // Go: v += uint64(float64(f) * (float64(unit) / scale)).
                let add = UInt64(Double(fraction) * (Double(unit) / scale))
                let (sum, o2) = value.addingReportingOverflow(add)
                if o2 || sum > 1 << 63 { throw ParseError(description: "time: invalid duration " + quoted) }
                value = sum
            }
            let (sum, o3) = total.addingReportingOverflow(value)
            if o3 || sum > 1 << 63 { throw ParseError(description: "time: invalid duration " + quoted) }
            total = sum
        }
        if negative { return total == 1 << 63 ? Int64.min : -Int64(total) }
        if total > UInt64(Int64.max) { throw ParseError(description: "time: invalid duration " + quoted) }
        return Int64(total)
    }

    /// Formats like Go's `Duration.String()`: `0s`, `999ns`, `1.5µs`, `3.2s`, `1m1s`, `1h0m0s`, `-3ms`.
    public static func format(_ nanoseconds: Int64) -> String { Duration.nanoseconds(nanoseconds).goDescription }

    /// Litestream's `truncateDuration` for the `generations` lag column, toward zero:
    /// |d| > 10s → whole seconds; 1s < |d| ≤ 10s → 100 ms; 1ms < |d| ≤ 1s → ms; 1µs < |d| ≤ 1ms → µs.
    public static func truncateLag(_ nanoseconds: Int64) -> Int64 {
        let magnitude = nanoseconds.magnitude
        let step: UInt64 =
            switch magnitude {
            case (10 * UInt64(second) + 1)...: UInt64(second)
            case (UInt64(second) + 1)...: UInt64(second) / 10
            case 1_000_001...: 1_000_000
            case 1_001...: 1_000
            default: 1
            }
        // Go's Duration.Truncate(m) is d - d%m, which rounds toward zero for either sign.
        return nanoseconds - nanoseconds % Int64(step)
    }

    private static func isDigit(_ c: UInt8) -> Bool { c >= 48 && c <= 57 }

    private static let units: [String: UInt64] = [
        "ns": 1,
        "us": 1_000,
        "µs": 1_000,  // U+00B5 micro sign
        "μs": 1_000,  // U+03BC Greek mu
        "ms": 1_000_000,
        "s": 1_000_000_000,
        "m": 60_000_000_000,
        "h": 3_600_000_000_000,
    ]
}
