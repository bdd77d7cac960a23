#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif
import SwiftStreamSystem

/// The error type of the SwiftStream library.
///
/// `message` says what failed, on what, and (where useful) what to try; it never contains
/// credentials or signed URLs. `description` is the one line the CLI prints. `code` says what
/// kind of failure it is, precisely enough to act on (a full disk, a refused permission, an
/// unauthorised request, throttling) without parsing text; `cause` keeps the underlying error
/// (a `SystemError`, `SQLiteError`, `LZ4Error`, an HTTP error) for callers that need more.
public struct SwiftStreamError: Error, Sendable, CustomStringConvertible, Equatable {
    /// What kind of failure this is; a struct so that adding a kind breaks no caller.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Kind: String, Hashable, Sendable {
            case notFound, invalidConfiguration, io, corrupt, invalidArgument, sqlite, internalError
            case noSpace, permissionDenied, unauthorized, throttled, server, network
        }
        private let kind: Kind
        /// A file, object, generation or database that does not exist.
        public static let notFound = Code(kind: .notFound)
        public static let invalidConfiguration = Code(kind: .invalidConfiguration)
        /// Any other local or remote I/O failure.
        public static let io = Code(kind: .io)
        /// Bytes that do not decode: a damaged WAL, snapshot, LZ4 frame or response body.
        public static let corrupt = Code(kind: .corrupt)
        public static let invalidArgument = Code(kind: .invalidArgument)
        public static let sqlite = Code(kind: .sqlite)
        public static let internalError = Code(kind: .internalError)
        /// The disk or quota is full (`ENOSPC`, `EDQUOT`, `SQLITE_FULL`).
        public static let noSpace = Code(kind: .noSpace)
        /// The file system refused access (`EACCES`, `EPERM`, `EROFS`).
        public static let permissionDenied = Code(kind: .permissionDenied)
        /// The store refused the credentials or the request (HTTP 401/403).
        public static let unauthorized = Code(kind: .unauthorized)
        /// The store asked to slow down (HTTP 429, 503 SlowDown).
        public static let throttled = Code(kind: .throttled)
        /// The store failed (HTTP 5xx).
        public static let server = Code(kind: .server)
        /// The store could not be reached or the transfer broke (DNS, refused, reset, timeout, TLS).
        public static let network = Code(kind: .network)
        public var description: String { kind.rawValue }
    }

    public var code: Code
    public var message: String
    /// The error this one was made from, if any.
    public var cause: (any Error)?

    public init(_ code: Code, _ message: String, cause: (any Error)? = nil) {
        self.code = code
        self.message = message
        self.cause = cause
    }

    public var description: String { message }

    /// Equal when code and message are: the cause is detail, not identity.
    public static func == (lhs: SwiftStreamError, rhs: SwiftStreamError) -> Bool {
        lhs.code == rhs.code && lhs.message == rhs.message
    }

    /// Wraps `error` with context, Litestream style: `"<context>: <error>"`. The code is the
    /// wrapped error's (classified when it is not ours) and the cause its underlying error.
    public static func wrap(_ context: String, _ error: any Error) -> SwiftStreamError {
        if let own = error as? SwiftStreamError {
            return SwiftStreamError(own.code, "\(context): \(own.message)", cause: own.cause ?? own)
        }
        return SwiftStreamError(classify(error), "\(context): \(error)", cause: error)
    }

    /// The code that fits a foreign error.
    public static func classify(_ error: any Error) -> Code {
        switch error {
        case let own as SwiftStreamError: own.code
        case let system as SystemError: code(errno: system.errno)
        case let sqlite as SQLiteError: sqlite.swiftStreamCode
        case is LZ4Error: .corrupt
        default: .io
        }
    }

    /// The code for a C `errno`.
    public static func code(errno: Int32) -> Code {
        switch errno {
        case ENOSPC, EDQUOT: .noSpace
        case EACCES, EPERM, EROFS: .permissionDenied
        case ENOENT, ENOTDIR: .notFound
        default: .io
        }
    }
}
