import Logging
import SwiftStream

/// The output of a listing command (`generations`, `snapshots`, `wal`): its rows as a table and as
/// JSON, the replicas it could not read, and the exit code that follows (json-output.md, "Errors").
///
/// Litestream logs each failed replica and exits 0 with what it could list; swiftstream does the
/// same for a table with at least one readable replica. It exits 1 when the output cannot be
/// trusted, i.e. with `-json` after any failure and for a table when every replica failed, and the
/// failures then go to stderr. With `-json` every log record goes to stderr, so that stdout holds
/// the JSON document and nothing else.
struct ListingReport {
    private let json: Bool
    private let log: LogOutput
    private var table: TableWriter
    private var rows: [JSONValue] = []
    /// The failures in order, as Litestream logs them (message, then `replica`, `generation`, `error`).
    private var failures: [(replica: String, message: String, metadata: Logger.Metadata)] = []

    /// Starts a listing with the table `header`; with `json`, log records go to stderr from now on.
    init(header: [String], json: Bool, context: CommandContext) {
        self.json = json
        log = context.log
        table = TableWriter(header: header)
        if json {
            var settings = log.settings
            settings.destination = .standardError
            log.configure(settings)
        }
    }

    /// The client of `settings`. If it cannot be made, the command fails: the failures recorded
    /// so far are logged first, as Litestream logs them before its error.
    func open(_ settings: ResolvedReplica, environment: [String: String]) throws(SwiftStreamError) -> NamedReplica {
        do {
            return try settings.namedReplica(environment: environment)
        } catch {
            logFailures(forceStandardError: false)
            throw error
        }
    }

    /// Adds one row: `cells` for the table, `object` for `-json`.
    mutating func append(_ cells: [String], _ object: JSONValue) {
        table.append(cells)
        rows.append(object)
    }

    /// Records that reading `replica` failed; `message` is Litestream's log message for it.
    mutating func fail(_ message: String, replica: String, generation: Generation? = nil, error: any Error) {
        var metadata: Logger.Metadata = ["replica": "\(replica)", "error": "\(error)"]
        if let generation { metadata["generation"] = "\(generation)" }
        failures.append((replica, message, metadata))
    }

    /// Logs the failures, writes the table or the JSON array on stdout and returns the exit code;
    /// `replicas` are the names of the replicas listed.
    func finish(replicas: [String]) -> Int32 {
        let failed = Set(failures.map(\.replica))
        let untrusted = json ? !failed.isEmpty : !replicas.isEmpty && replicas.allSatisfy(failed.contains)
        logFailures(forceStandardError: untrusted)
        log.standardOutput.write(json ? JSONValue.array(rows).serialized + "\n" : table.rendered)
        return untrusted ? 1 : 0
    }

    private func logFailures(forceStandardError: Bool) {
        for failure in failures {
            log.emit(
                level: .error, message: failure.message, metadata: failure.metadata,
                forceStandardError: forceStandardError
            )
        }
    }
}
