/// One `dbs[].replicas[]` entry. Keys of every backend live side by side, as in Litestream;
/// those that do not belong to the resolved type are ignored.
public struct ReplicaConfig: Sendable, Equatable {
    public var type: String = ""
    public var name: String = ""
    public var url: String = ""
    public var path: String = ""
    /// Durations in nanoseconds.
    public var retention: Int64?
    public var retentionCheckInterval: Int64?
    public var syncInterval: Int64?
    public var snapshotInterval: Int64?
    public var validationInterval: Int64?
    /// `age.identities` / `age.recipients`.
    public var ageIdentities: [String] = []
    public var ageRecipients: [String] = []
    // S3
    public var accessKeyID: String = ""
    public var secretAccessKey: String = ""
    public var region: String = ""
    public var bucket: String = ""
    public var endpoint: String = ""
    public var forcePathStyle: Bool?
    public var skipVerify: Bool = false
    // ABS
    public var accountName: String = ""
    public var accountKey: String = ""
    // SFTP
    public var host: String = ""
    public var user: String = ""
    public var password: String = ""
    public var keyPath: String = ""

    public init(url: String = "", type: String = "", name: String = "", path: String = "") {
        self.url = url
        self.type = type
        self.name = name
        self.path = path
    }
}
