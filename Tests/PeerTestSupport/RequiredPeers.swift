#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif
import SwiftStream
import Testing

extension PeerBinaries {
    /// `SWIFTSTREAM_SKIP_PEERS=1` (for local runs): suites marked `requiresPeer` skip when the peer
    /// is missing instead of failing.
    public static var skipMissing: Bool { getenv("SWIFTSTREAM_SKIP_PEERS").map { String(cString: $0) } == "1" }
}

/// A peer binary that `make test` installs is missing.
struct MissingPeer: Error, CustomStringConvertible {
    let description: String
}

extension Trait where Self == ConditionTrait {
    /// Runs the test or suite when `locate` finds the peer binary. When it is missing the test
    /// fails with `locate`'s error (how to install it), unless `SWIFTSTREAM_SKIP_PEERS=1`: then
    /// it is skipped. `make test` installs the peers, so a missing one there is a broken install.
    public static func requiresPeer(
        _ name: String, _ locate: @escaping @Sendable () throws -> String,
        sourceLocation: SourceLocation = #_sourceLocation
    ) -> Self {
        .enabled("needs \(name) (SWIFTSTREAM_SKIP_PEERS=1 skips when missing)", sourceLocation: sourceLocation) {
            do {
                _ = try locate()
                return true
            } catch {
                if PeerBinaries.skipMissing { return false }
                throw MissingPeer(description: "\(error) (for local runs only: SWIFTSTREAM_SKIP_PEERS=1 skips)")
            }
        }
    }
}
