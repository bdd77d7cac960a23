import Logging
import SwiftStream

/// How log records are written: format, minimum level and stream (cli-and-config.md §8).
public struct LogSettings: Sendable, Equatable {
    /// The line format.
    public enum Format: Sendable, Equatable {
        /// slog's text handler: `time=… level=INFO msg="…" key=value`.
        case text
        /// slog's JSON handler: `{"time":…,"level":"INFO","msg":"…",…}`.
        case json
        /// Go's default logger, used when no config file was read: `2006/01/02 15:04:05 INFO msg key=value`.
        case goDefault
    }

    /// Which standard stream receives the records.
    public enum Destination: Sendable, Equatable {
        case standardOutput
        case standardError
    }

    public var format: Format
    public var level: Logger.Level
    public var destination: Destination

    public init(format: Format, level: Logger.Level, destination: Destination) {
        self.format = format
        self.level = level
        self.destination = destination
    }

    /// Before (or without) a config file: Go's default format at INFO on stderr.
    public static let withoutConfig = LogSettings(format: .goDefault, level: .info, destination: .standardError)

    /// Settings from a config file's `logging` section. An unknown `type` is an error (v0.3.13
    /// panics); an unknown `level` means info, as in Litestream.
    public init(_ config: LoggingConfig) throws(SwiftStreamError) {
        switch config.type {
        case "", "text": format = .text
        case "json": format = .json
        default:
            throw SwiftStreamError(
                .invalidConfiguration,
                "unknown logging type in config: \"\(config.type)\" (expected \"text\" or \"json\")"
            )
        }
        switch config.level.uppercased() {
        case "DEBUG": level = .debug
        case "WARN", "WARNING": level = .warning
        case "ERROR": level = .error
        default: level = .info
        }
        destination = config.stderr ? .standardError : .standardOutput
    }
}
