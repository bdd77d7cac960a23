/// The error type of the SwiftStream library.
///
/// `message` says what failed, on what, and (where useful) what to try; it never contains
/// credentials or signed URLs. `description` is the one line the CLI prints.
public struct SwiftStreamError: Error, Sendable, CustomStringConvertible, Equatable {
    /// What kind of failure this is; a struct so that adding a kind breaks no caller.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Kind: String, Hashable, Sendable {
            case notFound, invalidConfiguration, io, corrupt, invalidArgument, sqlite, internalError
        }
        private let kind: Kind
        public static let notFound = Code(kind: .notFound)
        public static let invalidConfiguration = Code(kind: .invalidConfiguration)
        public static let io = Code(kind: .io)
        public static let corrupt = Code(kind: .corrupt)
        public static let invalidArgument = Code(kind: .invalidArgument)
        public static let sqlite = Code(kind: .sqlite)
        public static let internalError = Code(kind: .internalError)
        public var description: String { kind.rawValue }
    }

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }

    /// Wraps `error` with context, Litestream style: `"<context>: <error>"`.
    public static func wrap(_ context: String, _ error: any Error) -> SwiftStreamError {
        if let own = error as? SwiftStreamError { return SwiftStreamError(own.code, "\(context): \(own.message)") }
        return SwiftStreamError(.io, "\(context): \(error)")
    }
}

/// A failed system call, carrying the C `errno`.
public struct SystemError: Error, Sendable, CustomStringConvertible {
    public var operation: String
    public var path: String
    public var errno: Int32

    public init(_ operation: String, _ path: String, errno: Int32) {
        self.operation = operation
        self.path = path
        self.errno = errno
    }

    public var isNotFound: Bool { errno == ENOENT }

    /// Go-like text, e.g. `open /x: no such file or directory`.
    public var description: String {
        let text = String(cString: strerror(errno)).lowercased()
        return path.isEmpty ? "\(operation): \(text)" : "\(operation) \(path): \(text)"
    }
}

#if canImport(Glibc)
    @_exported import Glibc
#elseif canImport(Musl)
    @_exported import Musl
#elseif canImport(Darwin)
    @_exported import Darwin
#endif
