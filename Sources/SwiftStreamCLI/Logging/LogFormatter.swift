#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif
import Logging
import SwiftStream

/// Renders one log record in the three formats Litestream v0.3.13 writes (cli-and-config.md §8).
public enum LogFormatter {
    /// Keys printed first, in this order (Litestream puts `db` and `replica` first); others follow
    /// alphabetically and `error` comes last.
    static let leadingKeys = ["db", "replica", "generation", "index", "offset", "position"]

    /// One record as a line ending with `\n`.
    public static func line(
        format: LogSettings.Format, time: Timestamp, level: Logger.Level, message: String,
        metadata: Logger.Metadata
    ) -> String {
        let attributes = ordered(metadata)
        let levelName = name(of: level)
        switch format {
        case .text:
            var line =
                "time=" + localTime(time, fractionDigits: 3) + " level=" + levelName + " msg=" + textValue(message)
            for (key, value) in attributes { line += " " + textValue(key) + "=" + textValue(text(of: value)) }
            return line + "\n"
        case .goDefault:
            var line = goDefaultTime(time) + " " + levelName + " " + message
            for (key, value) in attributes { line += " " + textValue(key) + "=" + textValue(text(of: value)) }
            return line + "\n"
        case .json:
            var pairs: [(String, JSONValue)] = [
                ("time", .string(localTime(time, fractionDigits: nil))), ("level", .string(levelName)),
                ("msg", .string(message)),
            ]
            for (key, value) in attributes { pairs.append((key, json(of: value))) }
            return JSONValue.object(pairs).serialized + "\n"
        }
    }

    /// slog's level names.
    public static func name(of level: Logger.Level) -> String {
        switch level {
        case .trace, .debug: "DEBUG"
        case .info, .notice: "INFO"
        case .warning: "WARN"
        case .error, .critical: "ERROR"
        }
    }

    static func ordered(_ metadata: Logger.Metadata) -> [(String, Logger.MetadataValue)] {
        func rank(_ key: String) -> Int {
            if let i = leadingKeys.firstIndex(of: key) { return i }
            return key == "error" ? Int.max : leadingKeys.count
        }
        return metadata.sorted { a, b in
            let (ra, rb) = (rank(a.key), rank(b.key))
            return ra != rb ? ra < rb : a.key < b.key
        }
    }

    static func text(of value: Logger.MetadataValue) -> String {
        switch value {
        case .string(let s): s
        case .stringConvertible(let c): c.description
        case .array(let items): "[" + items.map(text(of:)).joined(separator: " ") + "]"
        case .dictionary(let dict):
            "map[" + dict.sorted { $0.key < $1.key }.map { $0.key + ":" + text(of: $0.value) }.joined(separator: " ")
                + "]"
        }
    }

    /// slog's JSON handler: integers and booleans logged as `.stringConvertible` are numbers and
    /// booleans, a `LoggedDuration` is its nanoseconds (like a Go `time.Duration`); `.string`
    /// values, even numeric ones, stay strings.
    static func json(of value: Logger.MetadataValue) -> JSONValue {
        switch value {
        case .string(let s): return .string(s)
        case .stringConvertible(let c):
            switch c {
            case let i as any BinaryInteger: return Int64(exactly: i).map(JSONValue.integer) ?? .string(c.description)
            case let b as Bool: return .bool(b)
            case let d as Double: return .double(d)
            case let d as LoggedDuration: return .integer(d.nanoseconds)
            default: return .string(c.description)
            }
        case .array(let items): return .array(items.map(json(of:)))
        case .dictionary(let dict):
            return .object(dict.sorted { $0.key < $1.key }.map { ($0.key, json(of: $0.value)) })
        }
    }

    /// A value as slog's text handler writes it: quoted (Go `strconv.Quote`) when empty or when
    /// it contains spaces, `=`, `"` or control characters.
    public static func textValue(_ s: String) -> String {
        needsQuoting(s) ? goQuote(s) : s
    }

    static func needsQuoting(_ s: String) -> Bool {
        if s.isEmpty { return true }
        for scalar in s.unicodeScalars {
            if scalar.isASCII {
                if scalar == " " || scalar == "=" || scalar == "\"" || scalar.value < 0x20 || scalar.value == 0x7f {
                    return true
                }
            } else if scalar.properties.isWhitespace || !isPrintable(scalar) {
                return true
            }
        }
        return false
    }

    /// Go's `strconv.Quote`.
    static func goQuote(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\u{07}": out += "\\a"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{0B}": out += "\\v"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7f {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\x" + (hex.count < 2 ? "0" : "") + hex
                } else if !scalar.isASCII && !isPrintable(scalar) {
                    let hex = String(scalar.value, radix: 16)
                    if scalar.value > 0xFFFF {
                        out += "\\U" + String(repeating: "0", count: 8 - hex.count) + hex
                    } else {
                        out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                    }
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }

    private static func isPrintable(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.properties.generalCategory {
        case .control, .format, .surrogate, .privateUse, .unassigned, .lineSeparator, .paragraphSeparator:
            return false
        case .spaceSeparator:
            return scalar == " "
        default:
            return true
        }
    }

    /// Broken-down local time and its UTC offset in seconds.
    static func localComponents(_ time: Timestamp) -> (tm: tm, offset: Int) {
        var seconds = time_t(time.seconds)
        var parts = tm()
        localtime_r(&seconds, &parts)
        return (parts, Int(parts.tm_gmtoff))
    }

    private static func pad(_ value: Int, _ width: Int) -> String {
        let s = String(value)
        return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
    }

    /// RFC 3339 local time: with `fractionDigits` (slog text: 3) or with trailing-zero-trimmed
    /// nanoseconds when nil (slog JSON); `Z` when the zone is UTC.
    public static func localTime(_ time: Timestamp, fractionDigits: Int?) -> String {
        let (t, offset) = localComponents(time)
        var s =
            pad(Int(t.tm_year) + 1900, 4) + "-" + pad(Int(t.tm_mon) + 1, 2) + "-" + pad(Int(t.tm_mday), 2) + "T"
            + pad(Int(t.tm_hour), 2) + ":" + pad(Int(t.tm_min), 2) + ":" + pad(Int(t.tm_sec), 2)
        let nanos = Int(time.nanosecond)
        if let fractionDigits {
            var divisor = 1_000_000_000
            for _ in 0..<fractionDigits { divisor /= 10 }
            s += "." + pad(nanos / divisor, fractionDigits)
        } else if nanos != 0 {
            var digits = pad(nanos, 9)
            while digits.hasSuffix("0") { digits.removeLast() }
            s += "." + digits
        }
        if offset == 0 { return s + "Z" }
        let sign = offset < 0 ? "-" : "+"
        let minutes = abs(offset) / 60
        return s + sign + pad(minutes / 60, 2) + ":" + pad(minutes % 60, 2)
    }

    /// Go's default `log` prefix: `2006/01/02 15:04:05` in local time.
    public static func goDefaultTime(_ time: Timestamp) -> String {
        let (t, _) = localComponents(time)
        return pad(Int(t.tm_year) + 1900, 4) + "/" + pad(Int(t.tm_mon) + 1, 2) + "/" + pad(Int(t.tm_mday), 2) + " "
            + pad(Int(t.tm_hour), 2) + ":" + pad(Int(t.tm_min), 2) + ":" + pad(Int(t.tm_sec), 2)
    }
}

/// A duration in log metadata, as slog writes a Go `time.Duration`: `1s` in text, nanoseconds in
/// JSON (Litestream's `replicating to` line: `"sync-interval":1000000000`).
public struct LoggedDuration: CustomStringConvertible, Sendable {
    public let nanoseconds: Int64

    public init(_ duration: Duration) { nanoseconds = duration.nanoseconds }

    public var description: String { GoDuration.format(nanoseconds) }
}
