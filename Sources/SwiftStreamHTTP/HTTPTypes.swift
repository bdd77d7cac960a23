import SwiftStream

/// One request or response header.
public struct HTTPHeader: Sendable, Equatable, CustomStringConvertible {
    public var name: String
    public var value: String

    public init(_ name: String, _ value: String) {
        self.name = name
        self.value = value
    }

    public var description: String { "\(name): \(value)" }
}

/// An HTTP request for `HTTPClient`.
public struct HTTPRequest: Sendable {
    /// Where the request body comes from.
    public enum Body: Sendable {
        case empty
        case bytes([UInt8])

        public var length: Int64 {
            switch self {
            case .empty: 0
            case .bytes(let b): Int64(b.count)
            }
        }
    }

    public var method: String
    public var url: String
    public var headers: [HTTPHeader]
    public var body: Body

    public init(method: String, url: String, headers: [HTTPHeader] = [], body: Body = .empty) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
    }

    /// `host[:port]` of `url`, as the `Host` header carries it (used in messages instead of the URL).
    public var hostAndPort: String { URLParts(url)?.hostAndPort ?? "" }
}

/// Where a response body goes.
public enum HTTPResponseDestination: Sendable {
    /// Collected in `HTTPResponse.body`, up to `limit` bytes (more fails the transfer).
    case memory(limit: Int = 64 << 20)
    /// Written to the file at `path` (created or truncated) when the status is 2xx; other
    /// responses (errors) are collected in memory so their body can be parsed.
    case file(path: String)
}

/// A completed HTTP exchange (any status).
public struct HTTPResponse: Sendable {
    public var status: Int
    /// Headers of the final response (interim `100 Continue` headers are dropped).
    public var headers: [HTTPHeader]
    /// The body, unless it was written to a file.
    public var body: [UInt8]
    /// Bytes written to the destination file.
    public var bytesWritten: Int64

    public init(status: Int, headers: [HTTPHeader], body: [UInt8], bytesWritten: Int64 = 0) {
        self.status = status
        self.headers = headers
        self.body = body
        self.bytesWritten = bytesWritten
    }

    /// The first header named `name` (case-insensitive).
    public func header(_ name: String) -> String? {
        let lower = name.lowercased()
        return headers.first { $0.name.lowercased() == lower }?.value
    }
}

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
