import Logging
import SwiftStream
import Synchronization

/// A swift-log handler writing slog-style records through a `LogOutput`.
public struct CLILogHandler: LogHandler {
    public let output: LogOutput
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    private var levelOverride: Logger.Level?

    public init(output: LogOutput, metadataProvider: Logger.MetadataProvider? = nil) {
        self.output = output
        self.metadataProvider = metadataProvider
    }

    /// The output's configured level, unless this logger set its own.
    public var logLevel: Logger.Level {
        get { levelOverride ?? output.settings.level }
        set { levelOverride = newValue }
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var all = metadataProvider?.get() ?? [:]
        all.merge(metadata) { _, new in new }
        if let own = event.metadata { all.merge(own) { _, new in new } }
        if let error = event.error, all["error"] == nil { all["error"] = .string("\(error)") }
        output.emit(level: event.level, message: event.message.description, metadata: all, minimumLevel: levelOverride)
    }
}
