import SwiftStream

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
