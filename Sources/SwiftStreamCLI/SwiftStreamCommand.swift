import Logging
import SwiftStream

/// The root command: picks the subcommand, parses its flags Go-style, runs it, and turns every
/// outcome into Litestream's exit codes and messages (cli-and-config.md §1).
public enum SwiftStreamCommand {
    /// The subcommands in the order the command list shows them.
    static var commands: [any CLICommand.Type] {
        [
            DatabasesCommand.self, GenerationsCommand.self, ReplicateCommand.self, RestoreCommand.self,
            SnapshotsCommand.self, VersionCommand.self, WALCommand.self,
        ]
    }

    /// The command list printed for no command, `help` or a leading flag.
    static var usage: String {
        var text = """
            swiftstream is a tool for replicating SQLite databases.

            Usage:

            \tswiftstream <command> [arguments]

            The commands are:


            """
        for command in commands {
            text +=
                "\t" + command.name + String(repeating: " ", count: max(1, 13 - command.name.count))
                + command.summary + "\n"
        }
        return text + "\nRun 'swiftstream <command> -h' for a command's arguments.\n"
    }

    /// Runs `arguments` (without the program name) and returns the exit code. Output and log
    /// lines go to `context.log`'s sinks; nothing here exits the process.
    public static func run(_ arguments: [String], context: CommandContext) async -> Int32 {
        guard let name = arguments.first, name != "help", !name.hasPrefix("-") else {
            context.standardOutput.write(usage)
            return 1
        }
        guard let command = commands.first(where: { $0.name == name }) else {
            return fail("swiftstream \(name): unknown command", context: context)
        }
        let rest = Array(arguments.dropFirst())
        let parsed: FlagSet.Parsed
        do {
            parsed = try command.flags.parse(rest)
        } catch {
            switch error {
            case .help:
                context.standardOutput.write(command.usage)
                return 1
            case .invalid(let message):
                // Go's flag package prints the error and the usage, then Litestream logs it.
                context.standardError.write(message + "\n")
                context.standardOutput.write(command.usage)
                return fail(message, context: context)
            }
        }
        do {
            return try await command.run(parsed: parsed, context: context)
        } catch {
            return fail(describe(error), context: context)
        }
    }

    /// Logs ERROR `failed to run` with `error=<text>` on stderr (in the current log format) and
    /// returns exit code 1.
    static func fail(_ text: String, context: CommandContext) -> Int32 {
        context.log.emit(
            level: .error, message: "failed to run", metadata: ["error": .string(text)], forceStandardError: true
        )
        return 1
    }

    /// The one-line text of an error.
    static func describe(_ error: any Error) -> String {
        (error as? CustomStringConvertible)?.description ?? "\(error)"
    }
}
