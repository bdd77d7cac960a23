import SwiftStream

/// What an S3 replica URL's host says about bucket, region, endpoint and addressing style
/// (Litestream `s3.ParseHost`, cli-and-config.md §5.1).
public struct S3Host: Sendable, Equatable {
    public var bucket: String
    public var region: String
    public var endpoint: String
    public var forcePathStyle: Bool

    public init(bucket: String, region: String, endpoint: String, forcePathStyle: Bool) {
        self.bucket = bucket
        self.region = region
        self.endpoint = endpoint
        self.forcePathStyle = forcePathStyle
    }

    /// Parses `host[:port]` with the provider patterns tried in Litestream's order. The dots in
    /// the patterns are as loose as Litestream's regular expressions (some match any character).
    public init(parsing hostAndPort: String) {
        let (host, port) = ReplicaURL.splitHostPort(hostAndPort)
        var scheme = "https"
        var endpoint = ""
        forcePathStyle = true
        region = ""
        if let m = host.wholeMatch(of: /(?:(.+)\.)?localhost/) {
            bucket = m.1.map(String.init) ?? ""
            region = "us-east-1"
            scheme = "http"
            endpoint = "localhost"
        } else if let m = host.wholeMatch(of: /(?:(.+)\.)?s3.([^.]+)\.backblazeb2.com/) {
            bucket = m.1.map(String.init) ?? ""
            region = String(m.2)
            endpoint = "s3.\(region).backblazeb2.com"
        } else if let m = host.wholeMatch(of: /(?:(.+)\.)?s3.filebase.com/) {
            bucket = m.1.map(String.init) ?? ""
            endpoint = "s3.filebase.com"
        } else if let m = host.wholeMatch(of: /(?:(.+)\.)?([^.]+)\.digitaloceanspaces.com/) {
            bucket = m.1.map(String.init) ?? ""
            region = String(m.2)
            endpoint = "\(region).digitaloceanspaces.com"
        } else if let m = host.wholeMatch(of: /(?:(.+)\.)?s3.([^.]+)\.scw\.cloud/) {
            bucket = m.1.map(String.init) ?? ""
            region = String(m.2)
            endpoint = "s3.\(region).scw.cloud"
        } else if let m = host.wholeMatch(of: /(?:(.+)\.)?([^.]+)\.linodeobjects.com/) {
            bucket = m.1.map(String.init) ?? ""
            region = String(m.2)
            endpoint = "\(region).linodeobjects.com"
        } else {
            bucket = host
            forcePathStyle = false
        }
        if !endpoint.isEmpty && !port.isEmpty { endpoint += ":" + port }
        self.endpoint = endpoint.isEmpty ? "" : scheme + "://" + endpoint
    }
}
