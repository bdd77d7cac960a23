#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif
import SwiftStreamSystem
import Synchronization
import SystemPackage

/// Read by the C signal handler, which may not take locks: written once, before the first
/// `sigaction`, and never changed afterwards.
nonisolated(unsafe) private var signalPipeWriteEnd: Int32 = -1

/// Delivers SIGINT/SIGTERM as an `AsyncStream` without running any Swift code in a signal
/// handler: the handler only `write(2)`s the signal number into a pipe (async-signal-safe), and a
/// dedicated thread reads the pipe and yields to the current stream. Works whatever the signal
/// mask of the Swift concurrency threads is; children started by `ChildProcess` get default
/// dispositions back (`POSIX_SPAWN_SETSIGDEF`).
enum SignalWatcher {
    private struct State {
        var readEnd: Int32 = -1
        var installed: Set<Int32> = []
        var continuation: AsyncStream<Int32>.Continuation?
    }
    private static let state = Mutex(State())

    /// Installs handlers for `signals` (once per process and signal) and returns a stream of the
    /// signals received from now on. A later call replaces the previous stream, which finishes.
    static func start(_ signals: [Int32]) -> AsyncStream<Int32> {
        let (stream, continuation) = AsyncStream<Int32>.makeStream()
        let startReader: Int32? = state.withLock { state in
            state.continuation?.finish()
            state.continuation = continuation
            var newReader: Int32?
            if state.readEnd < 0 {
                var fds: [Int32] = [0, 0]
                guard pipe(&fds) == 0 else { return nil }
                _ = fcntl(fds[0], F_SETFD, FD_CLOEXEC)
                _ = fcntl(fds[1], F_SETFD, FD_CLOEXEC)
                // The handler must never block: with the reader behind, a signal is dropped
                // rather than the thread it interrupted stalled (one pending byte is enough).
                _ = fcntl(fds[1], F_SETFL, O_NONBLOCK)
                state.readEnd = fds[0]
                signalPipeWriteEnd = fds[1]
                newReader = fds[0]
            }
            for signal in signals where !state.installed.contains(signal) {
                var action = sigaction()
                action.__sigaction_handler.sa_handler = { number in
                    // The interrupted code may be between a failed call and its read of errno.
                    let savedErrno = errno
                    var byte = UInt8(truncatingIfNeeded: number)
                    _ = write(signalPipeWriteEnd, &byte, 1)
                    errno = savedErrno
                }
                sigemptyset(&action.sa_mask)
                action.sa_flags = SA_RESTART
                sigaction(signal, &action, nil)
                state.installed.insert(signal)
            }
            return newReader
        }
        if let readEnd = startReader { startReaderThread(readEnd) }
        return stream
    }

    /// Stops delivering to the current stream (the handlers stay; signals are then swallowed).
    static func stop() {
        state.withLock { state in
            state.continuation?.finish()
            state.continuation = nil
        }
    }

    private static func startReaderThread(_ readEnd: Int32) {
        DetachedThread.start {
            let descriptor = FileDescriptor(rawValue: readEnd)
            var byte: UInt8 = 0
            // swift-system's read retries EINTR; end of file or an error ends the thread.
            while (try? withUnsafeMutableBytes(of: &byte) { try descriptor.read(into: $0) }) == 1 {
                let signal = Int32(byte)
                _ = SignalWatcher.state.withLock { $0.continuation }?.yield(signal)
            }
        }
    }
}

/// The name Go prints for a signal (`terminated`, `interrupt`).
func signalName(_ signal: Int32) -> String {
    switch signal {
    case SIGTERM: return "terminated"
    case SIGINT: return "interrupt"
    case SIGKILL: return "killed"
    case SIGHUP: return "hangup"
    case SIGQUIT: return "quit"
    default: return "signal \(signal)"
    }
}
