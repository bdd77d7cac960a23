import Synchronization

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
