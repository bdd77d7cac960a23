import SwiftStream

/// One `swiftstream` subcommand: its name, flags, usage text, typed options and body.
protocol CLICommand {
    /// The word that selects the command.
    static var name: String { get }
    /// One line for the top-level command list.
    static var summary: String { get }
    static var flags: FlagSet { get }
    /// Text before the flag list in `<command> -h`.
    static var usageHead: String { get }
    /// Text after the flag list (examples); may be empty.
    static var usageTail: String { get }
    /// The command's flags and arguments, typed and checked.
    associatedtype Options
    /// Reads the parsed flags into `Options` and makes every argument check, so that a bad
    /// argument is reported before the command does anything.
    static func options(_ parsed: FlagSet.Parsed) throws(SwiftStreamError) -> Options
    /// Runs the command; returns the exit code (errors are thrown).
    static func run(_ options: Options, context: CommandContext) async throws -> Int32
}

extension CLICommand {
    static var usageTail: String { "" }

    /// The full usage text printed by `-h`.
    static var usage: String {
        var text = usageHead
        if !flags.flags.isEmpty { text += "\nArguments:\n\n" + flags.usage }
        if !usageTail.isEmpty { text += usageTail }
        return text
    }

    /// Checks the arguments, then runs the command.
    static func run(parsed: FlagSet.Parsed, context: CommandContext) async throws -> Int32 {
        try await run(try options(parsed), context: context)
    }
}
