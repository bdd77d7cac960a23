import Logging
import SwiftStream
import SwiftStreamHTTP
import Synchronization

/// Retry settings for S3 requests: capped exponential backoff with full jitter.
///
/// Retried: transport failures (refused or reset connections, timeouts), 5xx, 429 and the S3
/// codes `SlowDown`, `RequestTimeout`, `InternalError`, `ServiceUnavailable`. Client errors
/// such as `AccessDenied` or `NoSuchBucket` fail at once.
public struct S3RetryPolicy: Sendable {
    /// Total attempts per request, the first included. Default 8.
    public var maxAttempts = 8
    /// Backoff before retry n (1-based) is uniform in [0, min(cap, base * 2^(n-1))]. Defaults 100 ms / 5 s.
    public var baseDelayMilliseconds = 100
    public var maxDelayMilliseconds = 5_000

    public init(maxAttempts: Int = 8, baseDelayMilliseconds: Int = 100, maxDelayMilliseconds: Int = 5_000) {
        self.maxAttempts = maxAttempts
        self.baseDelayMilliseconds = baseDelayMilliseconds
        self.maxDelayMilliseconds = maxDelayMilliseconds
    }

    func delayNanoseconds(beforeRetry n: Int) -> UInt64 {
        let exponent = min(n - 1, 30)
        let ceiling = min(Int64(maxDelayMilliseconds), Int64(baseDelayMilliseconds) << Int64(exponent))
        guard ceiling > 0 else { return 0 }
        return UInt64.random(in: 0...UInt64(ceiling)) * 1_000_000
    }
}
