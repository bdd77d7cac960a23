import SwiftStream

/// Where a replica lives, per backend.
public enum ReplicaBackend: Sendable, Equatable {
    case file(path: String)
    case s3(S3Settings)
    case gcs(GCSSettings)
    case abs(ABSSettings)
    case sftp(SFTPSettings)

    public var type: String {
        switch self {
        case .file: "file"
        case .s3: "s3"
        case .gcs: "gcs"
        case .abs: "abs"
        case .sftp: "sftp"
        }
    }

    /// What makes two replicas the same place: the location and, for stores reached through an
    /// endpoint, the endpoint (two S3-compatible servers may hold buckets of one name).
    var identity: String {
        var location = self.location
        while location.hasSuffix("/") { location.removeLast() }
        switch self {
        case .s3(let s): return location + " " + s.endpoint
        case .abs(let a): return location + " " + a.endpoint
        default: return location
        }
    }

    /// A URL-like location for messages, without credentials.
    public var location: String {
        func join(_ base: String, _ path: String) -> String { path.isEmpty ? base : base + "/" + path }
        switch self {
        case .file(let path): return "file://" + path
        case .s3(let s): return join("s3://" + s.bucket, s.path)
        case .gcs(let g): return join("gcs://" + g.bucket, g.path)
        case .abs(let a): return join("abs://" + a.bucket, a.path)
        case .sftp(let s): return "sftp://" + (s.user.isEmpty ? "" : s.user + "@") + s.host + s.path
        }
    }
}
