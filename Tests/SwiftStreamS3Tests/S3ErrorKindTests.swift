import SwiftStream
import Testing
@testable import SwiftStreamS3

/// A refused request's kind, so that callers (retries, metrics) need not parse the message.
@Suite struct S3ErrorKindTests {
    @Test(arguments: [
        (404, "NoSuchKey", "a/b", SwiftStreamError.Code.notFound), (404, "NotFound", "a/b", .notFound),
        (404, "NoSuchBucket", "a/b", .io), (403, "AccessDenied", "a/b", .unauthorized),
        (403, "SignatureDoesNotMatch", "a/b", .unauthorized), (401, "Unauthorized", "a/b", .unauthorized),
        (429, "TooManyRequests", "a/b", .throttled), (503, "SlowDown", "a/b", .throttled),
        (500, "InternalError", "a/b", .server), (400, "BadRequest", "a/b", .io),
    ])
    func refusedRequestsHaveAPreciseKind(status: Int, code: String, key: String, kind: SwiftStreamError.Code) {
        #expect(S3Connection.kind(status: status, code: code, key: key) == kind)
    }
}
