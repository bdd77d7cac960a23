/// The `logging` section of the config file.
public struct LoggingConfig: Sendable, Equatable {
    /// `debug`, `info`, `warn`/`warning` or `error` (any case); anything else means info.
    public var level: String = ""
    /// `text` (or empty) or `json`.
    public var type: String = ""
    /// Log to stderr instead of stdout.
    public var stderr: Bool = false

    public init(level: String = "", type: String = "", stderr: Bool = false) {
        self.level = level
        self.type = type
        self.stderr = stderr
    }
}
