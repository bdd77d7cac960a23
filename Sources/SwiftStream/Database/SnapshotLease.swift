import SwiftStreamSystem
import SystemPackage

/// What a replica needs to read a consistent copy of the database file for a snapshot: the
/// database stays frozen (read transaction held) and Litestream's checkpoints are skipped until
/// `Database.endSnapshot(_:)`.
struct SnapshotLease: Sendable {
    let connection: SQLiteConnection
    let position: WALPosition
    /// The long-lived read-only descriptor on the database file (read with `pread` only).
    let descriptor: FileDescriptor
}
