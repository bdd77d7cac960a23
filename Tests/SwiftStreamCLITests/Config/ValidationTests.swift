import SwiftStream
import Testing
@testable import SwiftStreamCLI

/// Every validation error of cli-and-config.md §4.4 plus swiftstream's stricter checks.
@Suite struct ValidationTests {
    static func replica(_ yaml: String) -> String {
        "dbs:\n  - path: /data/app.db\n    replicas:\n      - "
            + yaml.split(separator: "\n").joined(separator: "\n        ")
            + "\n"
    }

    static func resolveError(_ yaml: String) -> String? {
        errorText {
            let config = try parseConfig(replica(yaml))
            _ = try config.resolveDatabases()
        }
    }

    @Test(arguments: [
        ("path: s3://bkt/db", "replica path cannot be a url, please use the 'url' field instead: s3://bkt/db"),
        ("type: ftp\npath: /x", "unknown replica type in config: \"ftp\""),
        ("url: gs://bkt/db", "unknown replica type in config: \"\""),
        ("type: s3\nurl: gs://bkt/db", "unknown replica type in config: \"s3\""),
        ("url: /backups/db", "replica url scheme required: /backups/db"),
        ("url: file:///x\npath: /y", "cannot specify url & path for file replica"),
        ("type: file", "file replica path required"),
        ("url: s3://bkt/db\npath: db", "cannot specify url & path for s3 replica"),
        ("url: s3://bkt/db\nbucket: bkt", "cannot specify url & bucket for s3 replica"),
        ("type: s3\npath: db", "bucket required for s3 replica"),
        ("url: s3://localhost:9000/db", "bucket required for s3 replica"),
        ("url: gcs://bkt/db\npath: db", "cannot specify url & path for gcs replica"),
        ("url: gcs://bkt/db\nbucket: b", "cannot specify url & bucket for gcs replica"),
        ("type: gcs", "bucket required for gcs replica"),
        ("url: abs://c/db\npath: db", "cannot specify url & path for abs replica"),
        ("url: abs://c/db\nbucket: c", "cannot specify url & bucket for abs replica"),
        ("type: abs", "bucket required for abs replica"),
        ("url: sftp://u@h/db\npath: /db", "cannot specify url & path for sftp replica"),
        ("url: sftp://u@h/db\nhost: h", "cannot specify url & host for sftp replica"),
        ("type: sftp\nuser: u", "host required for sftp replica"),
        ("type: sftp\nhost: h", "user required for sftp replica"),
        ("url: sftp://h/db", "user required for sftp replica"),
    ])
    func replicaErrors(yaml: String, message: String) {
        #expect(Self.resolveError(yaml) == message)
    }

    static func replicationError(_ text: String) -> String? {
        errorText { _ = try parseConfig(text).validateForReplication() }
    }

    @Test func twoDatabasesCannotReplicateToOneLocation() throws {
        func config(_ secondURL: String) -> String {
            """
            dbs:
              - path: /data/a.db
                replicas:
                  - url: s3://bkt/shared
              - path: /data/b.db
                replicas:
                  - url: file:///backups/b
                  - url: \(secondURL)

            """
        }
        #expect(
            Self.replicationError(config("s3://bkt/shared/"))
                == "databases /data/a.db and /data/b.db replicate to the same location s3://bkt/shared; "
                + "give each database its own replica path")
        #expect(Self.replicationError(config("s3://bkt/b")) == nil)
    }

    @Test func duplicateNamesAreRejectedWhenReplicating() throws {
        let text = Self.replica("path: /a") + "      - path: /b\n"
        #expect(Self.replicationError(text) == "duplicate replica name: \"file\"")
        // Listing commands accept them, as Litestream does.
        #expect(try parseConfig(text).resolveDatabases()[0].replicas.count == 2)
    }

    @Test(arguments: [
        ("addr: localhost\n", "must specify port for bind address: \"localhost\""),
        ("addr: \"[::1]\"\n", "must specify port for bind address: \"[::1]\""),
        ("addr: \"localhost:\"\n", "must specify port for bind address: \"localhost:\""),
    ])
    func addressNeedsAPort(text: String, message: String) {
        #expect(Self.replicationError(text) == message)
    }

    @Test func addressWithPortIsFine() {
        #expect(Self.replicationError("addr: \":9090\"\n") == nil)
        #expect(Self.replicationError("addr: \"127.0.0.1:9090\"\n") == nil)
    }

    @Test(arguments: [
        (
            "path: /a\nsync-interval: 0",
            "invalid sync-interval for replica \"file\" of /data/app.db: must be greater than 0, got 0s"
        ),
        (
            "path: /a\nsync-interval: -1s",
            "invalid sync-interval for replica \"file\" of /data/app.db: must be greater than 0, got -1s"
        ),
        (
            "path: /a\nretention-check-interval: 0s",
            "invalid retention-check-interval for replica \"file\" of /data/app.db: "
                + "must be greater than 0 when retention is enabled, got 0s"
        ),
    ])
    func nonPositiveIntervalsAreRejectedWhenReplicating(yaml: String, message: String) {
        #expect(Self.replicationError(Self.replica(yaml)) == message)
    }

    @Test func retentionCheckIntervalIsIgnoredWithoutRetention() {
        #expect(Self.replicationError(Self.replica("path: /a\nretention: 0\nretention-check-interval: 0")) == nil)
    }

    @Test func minimumCheckpointPageCountIsRequired() {
        let text = "dbs:\n  - path: /db\n    min-checkpoint-page-count: 0\n"
        #expect(Self.replicationError(text) == "minimum checkpoint page count required")
    }
}
