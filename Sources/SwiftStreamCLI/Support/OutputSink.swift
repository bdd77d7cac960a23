import Synchronization

/// Where command output and log lines go: the process's stdout/stderr, or a buffer in tests.
public protocol OutputSink: Sendable {
    /// Writes `text` as is (no newline is added).
    func write(_ text: String)
    /// Whether the destination is a terminal (enables the restore progress line).
    var isTerminal: Bool { get }
}
