import SwiftStream

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
