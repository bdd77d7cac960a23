import SwiftStream

/// `-config` and `-no-expand-env`.
struct ConfigOptions {
    /// `-config`; empty means `$LITESTREAM_CONFIG`, else the default path.
    var path: String
    var expandEnvironment: Bool

    init(_ parsed: FlagSet.Parsed) {
        path = parsed.string("config") ?? ""
        expandEnvironment = !parsed.bool("no-expand-env")
    }

    static let urlConflict = "cannot specify a replica URL and the -config flag"
}
