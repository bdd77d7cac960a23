import SwiftStream

/// `snapshots`: lists every snapshot of every generation per replica (cli-and-config.md §2.5).
struct SnapshotsCommand: CLICommand {
    static let name = "snapshots"
    static let summary = "list available snapshots for a database"
    static let flags = FlagSet([CommonFlags.config, CommonFlags.noExpandEnv, CommonFlags.replica, CommonFlags.json])
    static let usageHead = """
        The snapshots command lists all snapshots available for a database or replica.

        Usage:

        \tswiftstream snapshots [arguments] DB_PATH

        \tswiftstream snapshots [arguments] REPLICA_URL

        """
    static let usageTail = """
        Examples:

        \t# List all snapshots for a database.
        \t$ swiftstream snapshots /path/to/db

        \t# List all snapshots on S3.
        \t$ swiftstream snapshots -replica s3 /path/to/db

        \t# List all snapshots by replica URL.
        \t$ swiftstream snapshots s3://mybkt/db

        """

    static func options(_ parsed: FlagSet.Parsed) throws(SwiftStreamError) -> ListingOptions {
        try ListingOptions(parsed, missing: "database path required")
    }

    static func run(_ options: ListingOptions, context: CommandContext) async throws -> Int32 {
        let selection = try ReplicaSelection(options.target, config: options.config, context: context)
        let replicas = try selection.replicas(named: options.replica, unknown: .isAnError)
        var report = ListingReport(
            header: ["replica", "generation", "index", "size", "created"], json: options.json, context: context
        )
        for settings in replicas {
            let replica = try report.open(settings, environment: context.environment)
            let snapshots: [SnapshotInfo]
            do {
                var all: [SnapshotInfo] = []
                for generation in try await replica.client.generations() {
                    all += try await replica.client.snapshots(in: generation)
                }
                snapshots = all.sorted { ($0.generation, $0.index) < ($1.generation, $1.index) }
            } catch {
                report.fail("cannot determine snapshots", replica: replica.name, error: error)
                continue
            }
            for info in snapshots {
                report.append(
                    [replica.name, info.generation.id, String(info.index), String(info.size), info.createdAt.rfc3339],
                    .object([
                        ("replica", .string(replica.name)), ("generation", .string(info.generation.id)),
                        ("index", .integer(Int64(info.index))), ("size", .integer(info.size)),
                        ("created", .string(info.createdAt.rfc3339Nano)),
                    ])
                )
            }
        }
        return report.finish(replicas: replicas.map(\.name))
    }
}
