#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif
import SwiftStream
import SwiftStreamSystem

/// `generations`: lists generations per replica with their lag and time range
/// (cli-and-config.md §2.2).
struct GenerationsCommand: CLICommand {
    static let name = "generations"
    static let summary = "list available generations for a database"
    static let flags = FlagSet([CommonFlags.config, CommonFlags.noExpandEnv, CommonFlags.replica, CommonFlags.json])
    static let usageHead = """
        The generations command lists all generations for a database or replica. It also lists
        stats about their lag behind the primary database and the time range they cover.

        Usage:

        \tswiftstream generations [arguments] DB_PATH

        \tswiftstream generations [arguments] REPLICA_URL

        """

    /// Printed for a generation without objects (Go's zero `time.Time`).
    static let zeroTime = "0001-01-01T00:00:00Z"

    static func options(_ parsed: FlagSet.Parsed) throws(SwiftStreamError) -> ListingOptions {
        try ListingOptions(parsed, missing: "database path or replica URL required")
    }

    static func run(_ options: ListingOptions, context: CommandContext) async throws -> Int32 {
        let selection = try ReplicaSelection(options.target, config: options.config, context: context)
        let replicas = try selection.replicas(named: options.replica, unknown: .isAnError)

        // Lag reference: the database's last change in path mode (fails without the file), now in URL mode.
        let reference: Timestamp
        if let database = selection.database {
            reference = try lastModified(database: database.path)
        } else {
            reference = context.now()
        }

        var report = ListingReport(
            header: ["name", "generation", "lag", "start", "end"], json: options.json, context: context
        )
        for settings in replicas {
            let replica = try report.open(settings, environment: context.environment)
            let generations: [Generation]
            do {
                generations = try await replica.client.generations()
            } catch {
                report.fail("cannot list generations", replica: replica.name, error: error)
                continue
            }
            for generation in generations {
                let bounds: (created: Timestamp, updated: Timestamp)?
                do {
                    bounds = try await replica.client.timeBounds(of: generation)
                } catch {
                    report.fail(
                        "cannot determine generation time bounds", replica: replica.name, generation: generation,
                        error: error
                    )
                    continue
                }
                guard let bounds else {
                    // Go: reference.Sub(time.Time{}) saturates at the largest duration.
                    let lag = GoDuration.truncateLag(Int64.max)
                    report.append(
                        [replica.name, generation.id, GoDuration.format(lag), zeroTime, zeroTime],
                        .object([
                            ("name", .string(replica.name)), ("generation", .string(generation.id)),
                            ("lag_ns", .null), ("start", .null), ("end", .null),
                        ])
                    )
                    continue
                }
                let lag = GoDuration.truncateLag(difference(reference, bounds.updated))
                report.append(
                    [
                        replica.name, generation.id, GoDuration.format(lag), bounds.created.rfc3339,
                        bounds.updated.rfc3339,
                    ],
                    .object([
                        ("name", .string(replica.name)), ("generation", .string(generation.id)),
                        ("lag_ns", .integer(difference(reference, bounds.updated))),
                        ("start", .string(bounds.created.rfc3339Nano)), ("end", .string(bounds.updated.rfc3339Nano)),
                    ])
                )
            }
        }
        return report.finish(replicas: replicas.map(\.name))
    }

    /// Later of the database file's and its `-wal` file's modification times (Litestream
    /// `DB.UpdatedAt`); a missing database file is an error, a missing WAL is not.
    static func lastModified(database path: String) throws -> Timestamp {
        guard let status = try FileIO.fileStatus(path) else { throw SystemError("stat", path, errno: ENOENT) }
        var latest = Timestamp(status.st_mtim)
        if let wal = try FileIO.fileStatus(path + "-wal") {
            latest = max(latest, Timestamp(wal.st_mtim))
        }
        return latest
    }

    /// `a - b` in nanoseconds, saturating like Go's `Time.Sub`.
    static func difference(_ a: Timestamp, _ b: Timestamp) -> Int64 {
        let (value, overflow) = a.nanoseconds.subtractingReportingOverflow(b.nanoseconds)
        if overflow { return a.nanoseconds > b.nanoseconds ? .max : .min }
        return value
    }
}
