import SwiftStream
import SwiftStreamSystem

/// A replica URL split the way Go's `net/url.Parse` splits it, plus Litestream's
/// `ParseReplicaURL` view of it (cli-and-config.md §5).
public struct ReplicaURL: Sendable, Equatable {
    /// Lowercased scheme ("" when the URL has none).
    public var scheme: String
    /// User name and password from the userinfo part, if present.
    public var user: String?
    public var password: String?
    /// Host including any port, as in the URL.
    public var host: String
    /// The path, percent-decoded.
    public var path: String
    /// The path exactly as written.
    public var rawPath: String
    public var rawQuery: String?
    public var fragment: String?

    /// Litestream's `isURL`: `^\w+://` (Go's `\w` is ASCII `[0-9A-Za-z_]`). Written out rather
    /// than as a regex: every config load asks, and a regex drags the regex engine's pages in.
    public static func looksLikeURL(_ text: String) -> Bool {
        let bytes = Array(text.utf8.prefix(4096))
        var i = 0
        while i < bytes.count, bytes[i] == UInt8(ascii: "_") || isASCIIAlphanumeric(bytes[i]) { i += 1 }
        return i > 0 && bytes[i...].starts(with: "://".utf8)
    }

    private static func isASCIIAlphanumeric(_ b: UInt8) -> Bool {
        (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A)
    }

    /// `text` with the password of its userinfo part (if any) replaced by `xxxxx`, for messages.
    public static func redacted(_ text: String) -> String {
        guard let schemeEnd = text.firstRange(of: "://") else { return text }
        let authorityStart = schemeEnd.upperBound
        let authorityEnd = text[authorityStart...].firstIndex(of: "/") ?? text.endIndex
        let authority = text[authorityStart..<authorityEnd]
        guard let at = authority.lastIndex(of: "@"), let colon = authority[..<at].firstIndex(of: ":") else {
            return text
        }
        return String(text[..<text.index(after: colon)]) + "xxxxx" + String(text[at...])
    }

    /// Parses `text` like Go's `url.Parse`; throws its error texts for bad ports and escapes
    /// (with any password redacted).
    public init(parsing text: String) throws(SwiftStreamError) {
        let shown = Self.redacted(text)
        var rest = Substring(text)
        fragment = nil
        if let hash = rest.firstIndex(of: "#") {
            fragment = String(rest[rest.index(after: hash)...])
            rest = rest[..<hash]
        }
        scheme = ""
        if let colon = rest.firstIndex(of: ":") {
            let candidate = rest[..<colon]
            if candidate.isEmpty {
                throw SwiftStreamError(.invalidConfiguration, "parse \"\(shown)\": missing protocol scheme")
            }
            if let first = candidate.first, first.isASCII, first.isLetter,
                candidate.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "+-.".contains($0)) })
            {
                scheme = candidate.lowercased()
                rest = rest[rest.index(after: colon)...]
            }
        }
        rawQuery = nil
        if let question = rest.firstIndex(of: "?") {
            rawQuery = String(rest[rest.index(after: question)...])
            rest = rest[..<question]
        }
        user = nil
        password = nil
        host = ""
        if rest.hasPrefix("//") {
            rest = rest.dropFirst(2)
            let slash = rest.firstIndex(of: "/") ?? rest.endIndex
            var authority = rest[..<slash]
            rest = rest[slash...]
            if let at = authority.lastIndex(of: "@") {
                let userinfo = authority[..<at]
                authority = authority[authority.index(after: at)...]
                if let colon = userinfo.firstIndex(of: ":") {
                    user = try Self.unescape(String(userinfo[..<colon]), in: shown)
                    password = try Self.unescape(String(userinfo[userinfo.index(after: colon)...]), in: shown)
                } else {
                    user = try Self.unescape(String(userinfo), in: shown)
                }
            }
            host = String(authority)
            if let port = Self.portPart(of: host), !port.dropFirst().allSatisfy({ $0.isASCII && $0.isNumber }) {
                throw SwiftStreamError(
                    .invalidConfiguration, "parse \"\(shown)\": invalid port \"\(port)\" after host"
                )
            }
        }
        rawPath = String(rest)
        path = try Self.unescape(rawPath, in: shown)
    }

    /// Litestream's `ParseReplicaURL` path: for `file` the whole URL without its scheme, cleaned
    /// (`file://x/y` → `/x/y`); otherwise the cleaned path without its leading `/` ("" = root).
    public var replicaPath: String {
        if scheme == "file" {
            var text = ""
            if !host.isEmpty || user != nil {
                text = "//"
                if let user { text += user + (password.map { ":" + $0 } ?? "") + "@" }
                text += host
            }
            if !rawPath.isEmpty && !rawPath.hasPrefix("/") && !host.isEmpty { text += "/" }
            text += rawPath
            if let rawQuery { text += "?" + rawQuery }
            if let fragment, !fragment.isEmpty { text += "#" + fragment }
            return Path.clean(text)
        }
        var cleaned = Path.clean(path)
        if cleaned.hasPrefix("/") { cleaned.removeFirst() }
        return cleaned == "." ? "" : cleaned
    }

    /// The `:port` suffix of a host (with its colon), if any; IPv6 literals are bracketed.
    static func portPart(of host: String) -> Substring? {
        if host.hasPrefix("[") {
            guard let close = host.firstIndex(of: "]") else { return nil }
            let after = host[host.index(after: close)...]
            return after.hasPrefix(":") ? after : nil
        }
        guard let colon = host.lastIndex(of: ":") else { return nil }
        return host[colon...]
    }

    /// Go's `net.SplitHostPort`, lenient: a host without a port gives `(host, "")`.
    static func splitHostPort(_ host: String) -> (host: String, port: String) {
        guard let port = portPart(of: host) else { return (host, "") }
        var name = host[..<port.startIndex]
        if name.hasPrefix("[") && name.hasSuffix("]") { name = name.dropFirst().dropLast() }
        if name.contains(":") { return (host, "") }  // more than one colon: not host:port
        return (String(name), String(port.dropFirst()))
    }

    private static func unescape(_ text: String, in url: String) throws(SwiftStreamError) -> String {
        guard text.contains("%") else { return text }
        var bytes: [UInt8] = []
        let utf8 = Array(text.utf8)
        var i = 0
        while i < utf8.count {
            if utf8[i] == UInt8(ascii: "%") {
                guard i + 2 < utf8.count, let high = hexValue(utf8[i + 1]), let low = hexValue(utf8[i + 2]) else {
                    let bad = String(decoding: utf8[i..<min(i + 3, utf8.count)], as: UTF8.self)
                    throw SwiftStreamError(.invalidConfiguration, "parse \"\(url)\": invalid URL escape \"\(bad)\"")
                }
                bytes.append(high << 4 | low)
                i += 3
            } else {
                bytes.append(utf8[i])
                i += 1
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func hexValue(_ c: UInt8) -> UInt8? {
        switch c {
        case 48...57: c - 48
        case 65...70: c - 55
        case 97...102: c - 87
        default: nil
        }
    }
}
