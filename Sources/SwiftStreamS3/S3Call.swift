import Logging
import SwiftStream
import SwiftStreamHTTP
import Synchronization

/// One S3 API call before addressing and signing.
struct S3Call: Sendable {
    /// API name for messages, e.g. `PutObject`.
    var operation: String
    var method: String
    /// Object key; nil for bucket-level calls.
    var key: String?
    var query: [(String, String)] = []
    var headers: [HTTPHeader] = []
    var body: HTTPRequest.Body = .empty
    /// Hex SHA-256 of the body.
    var payloadHash = SigV4Signer.emptyPayloadHash
    var destination: HTTPResponseDestination = .memory()
}
