extension Duration {
    /// Whole nanoseconds, saturating at `Int64.min` / `Int64.max` (Go's `time.Duration` range).
    public var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        let (product, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        if overflow { return seconds < 0 ? .min : .max }
        let (sum, sumOverflow) = product.addingReportingOverflow(attoseconds / 1_000_000_000)
        if sumOverflow { return seconds < 0 ? .min : .max }
        return sum
    }

    /// Go's `time.Duration.String()` text (`4.088528ms`, `1m1s`, `-3ms`), as Litestream logs
    /// `elapsed` and prints durations.
    public var goDescription: String {
        let nanoseconds = self.nanoseconds
        if nanoseconds == 0 { return "0s" }
        let second: UInt64 = 1_000_000_000
        var u = nanoseconds.magnitude
        var text: String
        if u < second {
            let (unit, precision): (String, Int) =
                switch u {
                case ..<1_000: ("ns", 0)
                case ..<1_000_000: ("µs", 3)
                default: ("ms", 6)
                }
            let (fraction, rest) = Self.formatFraction(u, precision: precision)
            text = String(rest) + fraction + unit
        } else {
            let (fraction, seconds) = Self.formatFraction(u, precision: 9)
            u = seconds
            text = String(u % 60) + fraction + "s"
            u /= 60
            if u > 0 {
                text = String(u % 60) + "m" + text
                u /= 60
                if u > 0 { text = String(u) + "h" + text }
            }
        }
        return nanoseconds < 0 ? "-" + text : text
    }

    /// Go's `fmtFrac`: the fraction of `v / 10^precision` without trailing zeros (with its
    /// leading '.', or empty), and the integer part.
    private static func formatFraction(_ v: UInt64, precision: Int) -> (String, UInt64) {
        var v = v
        var digits: [Character] = []
        var printed = false
        for _ in 0..<precision {
            let digit = v % 10
            printed = printed || digit != 0
            if printed { digits.append(Character(String(digit))) }
            v /= 10
        }
        if digits.isEmpty { return ("", v) }
        return ("." + String(digits.reversed()), v)
    }
}
