import SwiftStream

/// The parts of an absolute `http(s)://` URL that signing and messages need.
public struct URLParts: Sendable, Equatable {
    public var scheme: String
    public var host: String
    public var port: Int?
    /// The path as written (already percent-encoded), `/` when empty.
    public var path: String
    /// The raw query without `?`, empty when absent.
    public var query: String

    public init?(_ url: String) {
        guard let colon = url.firstIndex(of: ":"), url[colon...].hasPrefix("://") else { return nil }
        scheme = url[..<colon].lowercased()
        var rest = url[url.index(colon, offsetBy: 3)...]
        if let hash = rest.firstIndex(of: "#") { rest = rest[..<hash] }
        let authorityEnd = rest.firstIndex { $0 == "/" || $0 == "?" } ?? rest.endIndex
        var authority = rest[..<authorityEnd]
        if let at = authority.lastIndex(of: "@") { authority = authority[authority.index(after: at)...] }
        let tail = rest[authorityEnd...]
        if authority.hasPrefix("["), let close = authority.firstIndex(of: "]") {
            host = String(authority[...close])
            let after = authority[authority.index(after: close)...]
            port = after.hasPrefix(":") ? Int(after.dropFirst()) : nil
        } else if let colon = authority.lastIndex(of: ":") {
            host = String(authority[..<colon])
            port = Int(authority[authority.index(after: colon)...])
        } else {
            host = String(authority)
            port = nil
        }
        guard !host.isEmpty else { return nil }
        if let q = tail.firstIndex(of: "?") {
            path = String(tail[..<q])
            query = String(tail[tail.index(after: q)...])
        } else {
            path = String(tail)
            query = ""
        }
        if path.isEmpty { path = "/" }
    }

    /// `host` plus `:port` unless the port is the scheme's default.
    public var hostAndPort: String {
        guard let port else { return host }
        if (scheme == "http" && port == 80) || (scheme == "https" && port == 443) { return host }
        return "\(host):\(port)"
    }
}
