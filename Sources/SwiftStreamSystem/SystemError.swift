#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif
import SystemPackage

/// A failed system call: the operation, the path it was about, and the C `errno`.
///
/// `description` reads like Go's `*PathError` (`open /x: no such file or directory`), which is
/// what Litestream prints, so messages match it word for word.
public struct SystemError: Error, Sendable, CustomStringConvertible {
    public var operation: String
    public var path: String
    public var errno: Int32

    public init(_ operation: String, _ path: String, errno: Int32) {
        self.operation = operation
        self.path = path
        self.errno = errno
    }

    /// The same failure from swift-system's `Errno`.
    public init(_ operation: String, _ path: String, _ code: Errno) {
        self.init(operation, path, errno: code.rawValue)
    }

    /// The error number as swift-system's type, for `switch`ing over known codes.
    public var code: Errno { Errno(rawValue: errno) }

    public var isNotFound: Bool { errno == ENOENT }

    public var description: String {
        let text = String(cString: strerror(errno)).lowercased()
        return path.isEmpty ? "\(operation): \(text)" : "\(operation) \(path): \(text)"
    }
}

/// Runs a system call that returns -1 and sets `errno` on failure, again while it fails with
/// `EINTR`; throws `SystemError(operation, path)` for any other failure. This is the package's
/// one retry loop for calls that swift-system does not wrap (`fsync`, `fstat`, `waitid`, ...).
@discardableResult
public func retryingInterrupts<Result: FixedWidthInteger>(
    _ operation: String, _ path: String, _ call: () -> Result
) throws(SystemError) -> Result {
    while true {
        let result = call()
        if result != -1 { return result }
        if errno != EINTR { throw SystemError(operation, path, errno: errno) }
    }
}
