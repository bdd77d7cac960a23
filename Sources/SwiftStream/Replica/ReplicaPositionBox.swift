import Synchronization

/// A replica's last uploaded position, readable by its database without a suspension (the
/// database's shadow-WAL cleanup needs it inside a synchronous sync).
final class ReplicaPositionBox: Sendable {
    private let value = Mutex<WALPosition?>(nil)
    func load() -> WALPosition? { value.withLock { $0 } }
    func store(_ position: WALPosition?) { value.withLock { $0 = position } }
}
