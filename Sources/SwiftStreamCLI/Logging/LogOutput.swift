import Logging
import SwiftStream
import Synchronization

/// The log destination of one CLI run: its stdout/stderr sinks and the current `LogSettings`.
///
/// Settings start as `LogSettings.withoutConfig` and change once a config file is read
/// (`configure(_:)`); loggers made by `logger(label:)` follow the change.
public final class LogOutput: Sendable {
    public let standardOutput: any OutputSink
    public let standardError: any OutputSink
    private let current: Mutex<LogSettings>
    private let clock: @Sendable () -> Timestamp

    public init(
        standardOutput: any OutputSink, standardError: any OutputSink,
        settings: LogSettings = .withoutConfig, clock: @escaping @Sendable () -> Timestamp = { Timestamp.now() }
    ) {
        self.standardOutput = standardOutput
        self.standardError = standardError
        self.current = Mutex(settings)
        self.clock = clock
    }

    /// The settings in effect.
    public var settings: LogSettings { current.withLock { $0 } }

    /// Switches to `settings` (after a config file was read).
    public func configure(_ settings: LogSettings) { current.withLock { $0 = settings } }

    /// A logger writing through this output.
    public func logger(label: String = "swiftstream") -> Logger {
        Logger(label: label) { _ in CLILogHandler(output: self) }
    }

    /// Writes one record with the current settings; `forceStandardError` sends it to stderr
    /// whatever the settings say (the final `failed to run` line).
    public func emit(
        level: Logger.Level, message: String, metadata: Logger.Metadata, minimumLevel: Logger.Level? = nil,
        forceStandardError: Bool = false
    ) {
        let settings = self.settings
        guard level >= minimumLevel ?? settings.level else { return }
        let line = LogFormatter.line(
            format: settings.format, time: clock(), level: level, message: message, metadata: metadata
        )
        let toStandardError = forceStandardError || settings.destination == .standardError
        (toStandardError ? standardError : standardOutput).write(line)
    }
}
