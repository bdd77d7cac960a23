import SwiftStream

/// Where `replicate -exec` sends the SIGTERM/SIGINT it receives: the environment variable
/// `SWIFTSTREAM_EXEC_SIGNAL` (ours: Litestream has no such flag or config key, and a flag or key
/// of our own would make a command line or config that Litestream rejects), see docs/replicate.md.
enum ExecSignalTarget: String, Sendable, CaseIterable {
    /// The child runs in a process group of its own, and signals go to the whole group, so the
    /// helpers it started stop too. The default.
    case group
    /// The child stays in swiftstream's process group, and signals go to the child alone (as with
    /// Litestream).
    case process

    static let variable = "SWIFTSTREAM_EXEC_SIGNAL"

    /// The target `value` of `SWIFTSTREAM_EXEC_SIGNAL` names; unset or empty is `group`.
    init(environmentValue value: String?) throws {
        guard let value, !value.isEmpty else {
            self = .group
            return
        }
        guard let target = Self(rawValue: value) else {
            throw SwiftStreamError(
                .invalidArgument, "invalid \(Self.variable) \"\(value)\": must be \"group\" or \"process\"")
        }
        self = target
    }
}
