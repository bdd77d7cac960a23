import Logging
import SwiftStream
import Synchronization

/// Process-wide swift-log bootstrap for the `swiftstream` executable.
public enum LoggingBootstrap {
    private static let done = Mutex(false)

    /// Bootstraps `LoggingSystem` once so that loggers created anywhere in the process write
    /// through `output`; later calls do nothing (swift-log allows one bootstrap per process).
    public static func bootstrap(_ output: LogOutput) {
        let first = done.withLock { done in
            defer { done = true }
            return !done
        }
        guard first else { return }
        LoggingSystem.bootstrap { _ in CLILogHandler(output: output) }
    }
}
