import SwiftStream

/// The flags most commands share.
enum CommonFlags {
    static let config = FlagSet.Flag(
        name: "config", kind: .string, placeholder: "PATH",
        help: "Specifies the configuration file.\nDefaults to $LITESTREAM_CONFIG or /etc/litestream.yml."
    )
    static let noExpandEnv = FlagSet.Flag(
        name: "no-expand-env", kind: .bool, placeholder: "",
        help: "Disables environment variable expansion in the configuration file."
    )
    static let replica = FlagSet.Flag(
        name: "replica", kind: .string, placeholder: "NAME", help: "Optional, filters by a specific replica."
    )
    static let json = FlagSet.Flag(
        name: "json", kind: .bool, placeholder: "",
        help: "Prints one JSON array instead of a table (see docs/json-output.md)."
    )
}
