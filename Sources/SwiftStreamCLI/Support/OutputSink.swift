#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif
import Synchronization
import SystemPackage

/// Where command output and log lines go: the process's stdout/stderr, or a buffer in tests.
public protocol OutputSink: Sendable {
    /// Writes `text` as is (no newline is added).
    func write(_ text: String)
    /// Whether the destination is a terminal (enables the restore progress line).
    var isTerminal: Bool { get }
}

/// Writes to a file descriptor, whole (swift-system's `writeAll` retries short writes and `EINTR`).
public struct FileDescriptorSink: OutputSink {
    public let fileDescriptor: FileDescriptor

    public static let standardOutput = FileDescriptorSink(fileDescriptor: .standardOutput)
    public static let standardError = FileDescriptorSink(fileDescriptor: .standardError)

    public init(fileDescriptor: FileDescriptor) { self.fileDescriptor = fileDescriptor }

    public func write(_ text: String) {
        // Nothing sensible can be done when stdout or stderr is gone.
        _ = try? fileDescriptor.writeAll(text.utf8)
    }

    public var isTerminal: Bool { isatty(fileDescriptor.rawValue) == 1 }
}

/// Collects output in memory (tests, or capturing a command's output).
public final class BufferSink: OutputSink {
    private let buffer = Mutex("")
    private let terminal: Bool

    public init(isTerminal: Bool = false) { terminal = isTerminal }

    public func write(_ text: String) { buffer.withLock { $0 += text } }

    public var isTerminal: Bool { terminal }

    /// Everything written so far.
    public var text: String { buffer.withLock { $0 } }
}
