/// `PRAGMA wal_checkpoint` modes swiftstream issues.
enum CheckpointMode: String, Sendable {
    case passive = "PASSIVE"
    case restart = "RESTART"
    case truncate = "TRUNCATE"
}
