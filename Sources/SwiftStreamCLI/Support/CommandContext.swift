import Logging
import SwiftStream

/// Everything a command needs from its surroundings, so that the whole CLI can run as a library
/// (tests pass buffers and a fake restore engine).
public struct CommandContext: Sendable {
    /// Environment variables (`LITESTREAM_CONFIG`, `$VAR` expansion, credentials).
    public var environment: [String: String]
    /// Command output and log lines.
    public var log: LogOutput
    /// The restore engine `restore` calls.
    public var restoreEngine: RestoreEngine
    /// The current time (`generations` lag in URL mode).
    public var now: @Sendable () -> Timestamp
    /// Whether the CLI is the whole process (the `swiftstream` executable), so that it may
    /// change process-wide state: become a child subreaper and reap every orphan. A library run
    /// (tests) shares its process with children that are not its own.
    public var ownsProcess = false

    public init(
        environment: [String: String], log: LogOutput, restoreEngine: RestoreEngine = .standard,
        now: @escaping @Sendable () -> Timestamp = { Timestamp.now() }
    ) {
        self.environment = environment
        self.log = log
        self.restoreEngine = restoreEngine
        self.now = now
    }

    /// Command output (tables, JSON, usage).
    var standardOutput: any OutputSink { log.standardOutput }
    var standardError: any OutputSink { log.standardError }

    /// A logger following the current log settings.
    func logger() -> Logger { log.logger() }

    /// Loads the config for `-config` / `-no-expand-env` and switches logging to its `logging`
    /// section, as Litestream's `ReadConfigFile` does.
    func loadConfig(_ options: ConfigOptions) throws(SwiftStreamError) -> Config {
        let config = try ConfigLoader(environment: environment).load(
            flag: options.path, expandEnvironment: options.expandEnvironment
        )
        log.configure(try LogSettings(config.logging))
        return config
    }
}
