/// The error type of the HTTP layer: a transport failure (libcurl), a cancelled transfer, a
/// local problem (a body file that cannot be read, an unusable configuration), or libcurl or
/// libcrypto missing at run time.
///
/// Messages name the method and host, never a full URL, header values or credentials.
public struct HTTPError: Error, Sendable, CustomStringConvertible {
    /// What kind of failure this is; a struct so that adding a kind breaks no caller.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Kind: String, Hashable, Sendable {
            case transport, timeout, cancelled, localIO, unavailable, internalError
        }
        private let kind: Kind
        /// Connection refused or reset, DNS failure, TLS failure, protocol error.
        public static let transport = Code(kind: .transport)
        /// Connect timeout or the transfer stalled below the low-speed limit.
        public static let timeout = Code(kind: .timeout)
        public static let cancelled = Code(kind: .cancelled)
        /// Reading the request body or writing the response file failed.
        public static let localIO = Code(kind: .localIO)
        /// libcurl or libcrypto cannot be loaded (they are opened with dlopen on first use).
        public static let unavailable = Code(kind: .unavailable)
        public static let internalError = Code(kind: .internalError)
        public var description: String { kind.rawValue }
    }

    public var code: Code
    public var message: String
    /// The libcurl result code, when libcurl reported the failure.
    public var curlCode: Int?

    public init(_ code: Code, _ message: String, curlCode: Int? = nil) {
        self.code = code
        self.message = message
        self.curlCode = curlCode
    }

    /// Whether sending the same request again may succeed (resets, timeouts, refused connections).
    public var isTransient: Bool { code == .transport || code == .timeout }

    public var description: String { message }
}
