import SwiftStream

/// `databases`: lists the databases of the config file and their replicas (cli-and-config.md §2.1).
struct DatabasesCommand: CLICommand {
    static let name = "databases"
    static let summary = "list databases specified in config file"
    static let flags = FlagSet([CommonFlags.config, CommonFlags.noExpandEnv, CommonFlags.json])
    static let usageHead = """
        The databases command lists all databases in the configuration file.

        Usage:

        \tswiftstream databases [arguments]

        """

    struct Options {
        var config: ConfigOptions
        var json: Bool
    }

    static func options(_ parsed: FlagSet.Parsed) throws(SwiftStreamError) -> Options {
        if !parsed.positionals.isEmpty { throw SwiftStreamError(.invalidArgument, "too many arguments") }
        return Options(config: ConfigOptions(parsed), json: parsed.bool("json"))
    }

    static func run(_ options: Options, context: CommandContext) async throws -> Int32 {
        let config = try context.loadConfig(options.config)
        var table = TableWriter(header: ["path", "replicas"])
        var json: [JSONValue] = []
        // Like Litestream, rows gathered before an invalid database are still printed.
        defer {
            if options.json {
                context.standardOutput.write(JSONValue.array(json).serialized + "\n")
            } else {
                context.standardOutput.write(table.rendered)
            }
        }
        for entry in config.databases {
            let database = try config.resolve(entry)
            let names = database.replicas.map(\.name)
            table.append([database.path, names.joined(separator: ",")])
            json.append(.object([("path", .string(database.path)), ("replicas", .array(names.map(JSONValue.string)))]))
        }
        return 0
    }
}
