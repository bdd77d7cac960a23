#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif
import Logging
import SwiftStream
import Synchronization

/// `restore`: recovers a database from a replica (restore.md §1-§2, §7).
struct RestoreCommand: CLICommand {
    static let name = "restore"
    static let summary = "recovers database backup from a replica"
    static let flags = FlagSet([
        CommonFlags.config, CommonFlags.noExpandEnv,
        FlagSet.Flag(
            name: "o", kind: .string, placeholder: "PATH",
            help: "Output path of the restored database.\nDefaults to original DB path (required with a replica URL)."
        ),
        FlagSet.Flag(
            name: "replica", kind: .string, placeholder: "NAME",
            help: "Restore from a specific replica.\nDefaults to the replica with the latest data."
        ),
        FlagSet.Flag(
            name: "generation", kind: .string, placeholder: "NAME",
            help: "Restore from a specific generation.\nDefaults to the generation with the latest data."
        ),
        FlagSet.Flag(
            name: "index", kind: .hexIndex, placeholder: "NUM",
            help:
                "Restore up to a specific hex-encoded WAL index (inclusive).\nDefaults to use the highest available index."
        ),
        FlagSet.Flag(
            name: "timestamp", kind: .string, placeholder: "TIMESTAMP",
            help: "Restore to a specific point-in-time (RFC 3339, e.g. 2000-01-01T00:00:00Z).\n"
                + "Defaults to use the latest available backup."
        ),
        FlagSet.Flag(
            name: "parallelism", kind: .int, placeholder: "NUM",
            help: "Determines the number of WAL files downloaded in parallel.\nDefaults to 8."
        ),
        FlagSet.Flag(
            name: "if-db-not-exists", kind: .bool, placeholder: "",
            help: "Returns exit code of 0 if the database already exists."
        ),
        FlagSet.Flag(
            name: "if-replica-exists", kind: .bool, placeholder: "",
            help: "Returns exit code of 0 if no backups found."
        ),
    ])
    static let usageHead = """
        The restore command recovers a database from a previous snapshot and WAL.

        Usage:

        \tswiftstream restore [arguments] DB_PATH

        \tswiftstream restore [arguments] REPLICA_URL

        If a DB_PATH is given, the replicas of that database in the configuration file are
        used. If a REPLICA_URL is given, the backup is read from that location alone and -o
        is required.

        """
    static let usageTail = """
        Examples:

        \t# Restore latest replica for database to original location.
        \t$ swiftstream restore /path/to/db

        \t# Restore replica for database to a given point in time.
        \t$ swiftstream restore -timestamp 2020-01-01T00:00:00Z /path/to/db

        \t# Restore latest replica for database to new /tmp directory
        \t$ swiftstream restore -o /tmp/db /path/to/db

        \t# Restore database from latest generation on S3.
        \t$ swiftstream restore -replica s3 /path/to/db

        \t# Restore database from a replica URL.
        \t$ swiftstream restore -o /tmp/db s3://mybkt/db

        """

    static let timestampError =
        "invalid -timestamp, must specify in ISO 8601 format (e.g. 2000-01-01T00:00:00Z)"

    struct Options {
        var config: ConfigOptions
        var target: ReplicaTarget
        /// `-o`; empty means the database's own path (config mode only).
        var outputPath: String
        /// `-replica`; empty means every replica.
        var replica: String
        var generation: GenerationFilter
        var index: Int?
        var timestamp: Timestamp?
        var parallelism: Int
        var ifDBNotExists: Bool
        var ifReplicaExists: Bool
    }

    /// The checks run in Litestream's order: argument count, `-timestamp`, URL with `-config`,
    /// then `-o` for a URL.
    static func options(_ parsed: FlagSet.Parsed) throws(SwiftStreamError) -> Options {
        let argument = try singleArgument(parsed, missing: "database path or replica URL required")
        var timestamp: Timestamp?
        if let text = parsed.string("timestamp"), !text.isEmpty {
            guard let value = Timestamp.parseRFC3339(text) else {
                throw SwiftStreamError(.invalidArgument, timestampError)
            }
            timestamp = value
        }
        let config = ConfigOptions(parsed)
        let target = try ReplicaTarget(argument, config: config)
        let outputPath = parsed.string("o") ?? ""
        if case .url = target, outputPath.isEmpty { throw SwiftStreamError(.invalidArgument, "output path required") }
        return Options(
            config: config, target: target, outputPath: outputPath, replica: parsed.string("replica") ?? "",
            generation: GenerationFilter(parsed.string("generation")), index: parsed.int("index"),
            timestamp: timestamp, parallelism: parsed.int("parallelism") ?? 8,
            ifDBNotExists: parsed.bool("if-db-not-exists"), ifReplicaExists: parsed.bool("if-replica-exists")
        )
    }

    static func run(_ options: Options, context: CommandContext) async throws -> Int32 {
        let selection = try ReplicaSelection(options.target, config: options.config, context: context)
        var logger = context.logger()
        var outputPath = options.outputPath
        if let database = selection.database {
            logger[metadataKey: "db"] = "\(database.path)"
            if outputPath.isEmpty { outputPath = database.path }
        }
        // Before a replica URL is resolved, as in Litestream.
        if options.ifDBNotExists && outputExists(outputPath) {
            logger.info("database already exists, skipping")
            return 0
        }
        let replicas = try selection.replicas(named: options.replica, unknown: .matchesNothing)

        var generation: Generation?
        switch options.generation {
        case .all: break
        case .only(let value): generation = value
        case .unmatchable: return try noMatch(options, logger: logger)
        }
        var named: [NamedReplica] = []
        for replica in replicas { named.append(try replica.namedReplica(environment: context.environment)) }

        let progress = context.standardError.isTerminal ? ProgressLine(sink: context.standardError) : nil
        var report: (@Sendable (RestoreProgress) -> Void)?
        if let progress { report = { progress.update($0) } }
        let restoreOptions = RestoreOptions(
            outputPath: outputPath, index: options.index, timestamp: options.timestamp,
            parallelism: options.parallelism, progress: report
        )
        let request = RestoreEngine.Request(
            replicas: named, generation: generation, timestamp: options.timestamp, options: restoreOptions
        )
        let outcome: RestoreEngine.Outcome
        do {
            outcome = try await context.restoreEngine.restore(request, logger)
            progress?.finish()
        } catch {
            progress?.finish()
            throw error
        }
        if outcome == .noMatchingBackups { return try noMatch(options, logger: logger) }
        return 0
    }

    /// Litestream's check: anything but "does not exist" from `stat` counts as existing.
    static func outputExists(_ path: String) -> Bool {
        var status = stat()
        return lstat(path, &status) == 0 || errno != ENOENT
    }

    /// No generation matched: exit 0 with `-if-replica-exists` (logged), else an error.
    private static func noMatch(_ options: Options, logger: Logger) throws(SwiftStreamError) -> Int32 {
        if options.ifReplicaExists {
            logger.info("no matching backups found")
            return 0
        }
        throw SwiftStreamError(.notFound, "no matching backups found")
    }
}
