#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif
import Synchronization
import SystemPackage

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
