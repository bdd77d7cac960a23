import SwiftStream
import Synchronization

/// Where command output and log lines go: the process's stdout/stderr, or a buffer in tests.
public protocol OutputSink: Sendable {
    /// Writes `text` as is (no newline is added).
    func write(_ text: String)
    /// Whether the destination is a terminal (enables the restore progress line).
    var isTerminal: Bool { get }
}

/// Writes to a file descriptor with `write(2)`, retrying short writes and `EINTR`.
public struct FileDescriptorSink: OutputSink {
    public let fileDescriptor: Int32

    public static let standardOutput = FileDescriptorSink(fileDescriptor: 1)
    public static let standardError = FileDescriptorSink(fileDescriptor: 2)

    public init(fileDescriptor: Int32) { self.fileDescriptor = fileDescriptor }

    public func write(_ text: String) {
        var bytes = Array(text.utf8)
        bytes.withUnsafeMutableBytes { buffer in
            guard let base = buffer.baseAddress else { return }
            var done = 0
            while done < buffer.count {
                let n = Glibc.write(fileDescriptor, base + done, buffer.count - done)
                if n < 0 {
                    if errno == EINTR { continue }
                    return  // nothing sensible to do when stdout/stderr is gone
                }
                done += n
            }
        }
    }

    public var isTerminal: Bool { isatty(fileDescriptor) == 1 }
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
