/// What `restore` will restore: a replica, one of its generations, and that generation's
/// latest object time.
public struct RestoreTarget: Sendable {
    public var replica: NamedReplica
    public var generation: Generation
    public var updatedAt: Timestamp
}
