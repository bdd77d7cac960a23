/// One page of a `ListObjectsV2` response.
public struct S3ListPage: Sendable, Equatable {
    public struct Object: Sendable, Equatable {
        public var key: String
        public var size: Int64
        /// `LastModified` exactly as sent (RFC 3339).
        public var lastModified: String
    }

    public var objects: [Object] = []
    public var commonPrefixes: [String] = []
    public var isTruncated = false
    public var nextContinuationToken: String?

    public init() {}

    /// Parses a `ListBucketResult` document.
    public init(body: [UInt8]) throws(XMLParseError) {
        let root = try XMLElement.parse(body)
        guard root.name == "ListBucketResult" else {
            throw XMLParseError(message: "expected ListBucketResult, got \(root.name)", offset: 0)
        }
        for c in root.children("Contents") {
            guard let key = c.value("Key") else { continue }
            objects.append(
                Object(key: key, size: Int64(c.value("Size") ?? "") ?? 0, lastModified: c.value("LastModified") ?? ""))
        }
        commonPrefixes = root.children("CommonPrefixes").compactMap { $0.value("Prefix") }
        isTruncated = root.value("IsTruncated") == "true"
        nextContinuationToken = root.value("NextContinuationToken").flatMap { $0.isEmpty ? nil : $0 }
    }
}
