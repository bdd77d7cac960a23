/// A replica client with its configured name, as restore and the listing commands see it.
public struct NamedReplica: Sendable {
    public var name: String
    public var client: any ReplicaClient

    public init(name: String, client: any ReplicaClient) {
        self.name = name
        self.client = client
    }
}
