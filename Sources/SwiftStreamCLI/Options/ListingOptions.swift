import SwiftStream

/// The options `generations`, `snapshots` and `wal` share.
struct ListingOptions {
    var config: ConfigOptions
    var target: ReplicaTarget
    /// `-replica`; empty means every replica.
    var replica: String
    var json: Bool

    /// `missing` is the error for an absent argument.
    init(_ parsed: FlagSet.Parsed, missing: String) throws(SwiftStreamError) {
        let argument = try singleArgument(parsed, missing: missing)
        config = ConfigOptions(parsed)
        target = try ReplicaTarget(argument, config: config)
        replica = parsed.string("replica") ?? ""
        json = parsed.bool("json")
    }
}
