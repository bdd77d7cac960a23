import SwiftStream

/// `wal`: lists WAL segments per replica and generation (cli-and-config.md §2.6).
struct WALCommand: CLICommand {
    static let name = "wal"
    static let summary = "list available WAL files for a database"
    static let flags = FlagSet([
        CommonFlags.config, CommonFlags.noExpandEnv, CommonFlags.replica,
        FlagSet.Flag(
            name: "generation", kind: .string, placeholder: "NAME", help: "Optional, filters by a specific generation."
        ),
        CommonFlags.json,
    ])
    static let usageHead = """
        The wal command lists all WAL segments available for a database.

        Usage:

        \tswiftstream wal [arguments] DB_PATH

        \tswiftstream wal [arguments] REPLICA_URL

        """
    static let usageTail = """
        Examples:

        \t# List all WAL segments for a database.
        \t$ swiftstream wal /path/to/db

        \t# List all WAL segments on S3 for a specific generation.
        \t$ swiftstream wal -replica s3 -generation xxxxxxxx /path/to/db

        \t# List all WAL segments for replica URL.
        \t$ swiftstream wal s3://mybkt/db

        """

    struct Options {
        var listing: ListingOptions
        var generation: GenerationFilter
    }

    static func options(_ parsed: FlagSet.Parsed) throws(SwiftStreamError) -> Options {
        Options(
            listing: try ListingOptions(parsed, missing: "database path required"),
            generation: GenerationFilter(parsed.string("generation"))
        )
    }

    static func run(_ options: Options, context: CommandContext) async throws -> Int32 {
        let listing = options.listing
        let selection = try ReplicaSelection(listing.target, config: listing.config, context: context)
        let replicas = try selection.replicas(named: listing.replica, unknown: .isAnError)
        var report = ListingReport(
            header: ["replica", "generation", "index", "offset", "size", "created"], json: listing.json,
            context: context
        )
        for settings in replicas {
            let replica = try report.open(settings, environment: context.environment)
            let generations: [Generation]
            switch options.generation {
            case .only(let generation):
                // Used as given, even if it does not exist.
                generations = [generation]
            case .unmatchable:
                generations = []
            case .all:
                do {
                    generations = try await replica.client.generations()
                } catch {
                    report.fail("cannot determine generations", replica: replica.name, error: error)
                    continue
                }
            }
            for generation in generations {
                let segments: [WALSegmentInfo]
                do {
                    segments = try await replica.client.walSegments(in: generation)
                } catch {
                    report.fail(
                        "cannot fetch wal segments", replica: replica.name, generation: generation, error: error)
                    continue
                }
                for info in segments {
                    report.append(
                        [
                            replica.name, info.generation.id, String(info.index), String(info.offset),
                            String(info.size), info.createdAt.rfc3339,
                        ],
                        .object([
                            ("replica", .string(replica.name)), ("generation", .string(info.generation.id)),
                            ("index", .integer(Int64(info.index))), ("offset", .integer(Int64(info.offset))),
                            ("size", .integer(info.size)), ("created", .string(info.createdAt.rfc3339Nano)),
                        ])
                    )
                }
            }
        }
        return report.finish(replicas: replicas.map(\.name))
    }
}
