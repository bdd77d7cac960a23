import SwiftStream
import Testing
@testable import SwiftStreamCLI

@Suite struct ReplicaURLTests {
    @Test(arguments: [
        ("s3://bkt/db", true), ("file:///x", true), ("abc_1://x", true), ("/data/app.db", false),
        ("s3:/bkt", false), ("relative/path", false), ("C:\\x", false), ("é://x", false),
    ])
    func detectsURLs(text: String, isURL: Bool) {
        #expect(ReplicaURL.looksLikeURL(text) == isURL)
    }

    /// (host, bucket, region, endpoint, path style) per cli-and-config.md §5.1.
    @Test(arguments: [
        ("mybkt.localhost", "mybkt", "us-east-1", "http://localhost", true),
        ("mybkt.localhost:9000", "mybkt", "us-east-1", "http://localhost:9000", true),
        ("localhost:9000", "", "us-east-1", "http://localhost:9000", true),
        ("bkt.s3.us-west-002.backblazeb2.com", "bkt", "us-west-002", "https://s3.us-west-002.backblazeb2.com", true),
        ("bkt.s3.filebase.com", "bkt", "", "https://s3.filebase.com", true),
        ("bkt.nyc3.digitaloceanspaces.com", "bkt", "nyc3", "https://nyc3.digitaloceanspaces.com", true),
        ("a.b.nyc3.digitaloceanspaces.com", "a.b", "nyc3", "https://nyc3.digitaloceanspaces.com", true),
        ("bkt.s3.fr-par.scw.cloud", "bkt", "fr-par", "https://s3.fr-par.scw.cloud", true),
        ("bkt.us-east-1.linodeobjects.com", "bkt", "us-east-1", "https://us-east-1.linodeobjects.com", true),
        ("bkt.us-east-1.linodeobjects.com:8443", "bkt", "us-east-1", "https://us-east-1.linodeobjects.com:8443", true),
        ("my-bucket", "my-bucket", "", "", false),
        ("my-bucket:9000", "my-bucket", "", "", false),
        ("bkt.s3.amazonaws.com", "bkt.s3.amazonaws.com", "", "", false),
        ("acct.r2.cloudflarestorage.com", "acct.r2.cloudflarestorage.com", "", "", false),
    ])
    func parsesS3Hosts(host: String, bucket: String, region: String, endpoint: String, pathStyle: Bool) {
        #expect(
            S3Host(parsing: host)
                == S3Host(bucket: bucket, region: region, endpoint: endpoint, forcePathStyle: pathStyle)
        )
    }

    @Test(arguments: [
        ("file:///abs/path", "/abs/path"), ("file://x/y", "/x/y"), ("FILE:///a/./b/", "/a/b"),
        ("file:///a?q=1", "/a?q=1"),
    ])
    func resolvesFileURLs(url: String, path: String) throws {
        #expect(try ReplicaConfig(url: url).resolve().backend == .file(path: path))
    }

    @Test(arguments: [
        ("s3://bkt", ""), ("s3://bkt/", ""), ("s3://bkt/db", "db"), ("s3://bkt//a/../b/", "b"),
        ("S3://bkt/db?x=1#f", "db"),
    ])
    func resolvesS3Paths(url: String, path: String) throws {
        guard case .s3(let s3) = try ReplicaConfig(url: url).resolve().backend else {
            Issue.record("expected s3")
            return
        }
        #expect(s3.bucket == "bkt" && s3.path == path)
        #expect(s3.region.isEmpty && s3.endpoint.isEmpty && !s3.forcePathStyle)
    }

    @Test func s3KeysOverrideTheHost() throws {
        var config = ReplicaConfig(url: "s3://bkt.nyc3.digitaloceanspaces.com/db")
        config.region = "ams3"
        config.endpoint = "https://custom:1234"
        guard case .s3(let s3) = try config.resolve().backend else {
            Issue.record("expected s3")
            return
        }
        #expect(s3.bucket == "bkt" && s3.region == "ams3" && s3.endpoint == "https://custom:1234")
        #expect(s3.forcePathStyle)
    }

    @Test func forcePathStyleRules() throws {
        func style(_ config: ReplicaConfig) throws -> Bool {
            guard case .s3(let s3) = try config.resolve().backend else {
                Issue.record("expected s3")
                return false
            }
            return s3.forcePathStyle
        }
        var fields = ReplicaConfig(type: "s3")
        fields.bucket = "b"
        #expect(try style(fields) == false)
        fields.endpoint = "http://minio:9000"
        #expect(try style(fields) == true)  // endpoint implies path style
        fields.forcePathStyle = false
        #expect(try style(fields) == false)  // the key wins over the endpoint
        var hostDerived = ReplicaConfig(url: "s3://b.localhost:9000/db")
        hostDerived.forcePathStyle = false
        #expect(try style(hostDerived) == true)  // v0.3.13: false cannot switch off the host's true
        var plain = ReplicaConfig(url: "s3://b/db")
        plain.forcePathStyle = true
        #expect(try style(plain) == true)
    }

    @Test func gcsABSAndSFTPURLs() throws {
        guard case .gcs(let gcs) = try ReplicaConfig(url: "gcs://bkt/a/b").resolve().backend,
            case .abs(let abs) = try ReplicaConfig(url: "abs://acct@container/db").resolve().backend,
            case .sftp(let sftp) = try ReplicaConfig(url: "sftp://u:p%40ss@host:2022/backups/db").resolve().backend
        else {
            Issue.record("unexpected backends")
            return
        }
        #expect(gcs.bucket == "bkt" && gcs.path == "a/b")
        #expect(abs.accountName == "acct" && abs.bucket == "container" && abs.path == "db")
        #expect(sftp.user == "u" && sftp.password == "p@ss" && sftp.host == "host:2022" && sftp.path == "/backups/db")
        #expect(!sftp.description.contains("p@ss"))

        var keyed = ReplicaConfig(url: "abs://acct@container/db")
        keyed.accountName = "other"
        guard case .abs(let keyedABS) = try keyed.resolve().backend else {
            Issue.record("expected abs")
            return
        }
        #expect(keyedABS.accountName == "other")
    }

    @Test(arguments: [
        ("s3://bkt/db", "s3"), ("gcs://b/p", "gcs"), ("abs://c/p", "abs"), ("sftp://u@h/p", "sftp"),
        ("file:///x", "file"),
    ])
    func typeAndDefaultNameComeFromTheScheme(url: String, type: String) throws {
        var config = ReplicaConfig(url: url, type: "file")  // the scheme beats `type`
        config.name = ""
        let settings = try config.resolve()
        #expect(settings.type == type && settings.name == type)
    }

    @Test func urlParseErrors() {
        #expect(
            errorText { _ = try ReplicaConfig(url: "s3://bkt:x/db").resolve() }
                == "parse \"s3://bkt:x/db\": invalid port \":x\" after host"
        )
        #expect(
            errorText { _ = try ReplicaConfig(url: "file:///a%zz").resolve() }
                == "parse \"file:///a%zz\": invalid URL escape \"%zz\""
        )
    }
}

@Suite struct SecretRedactionTests {
    @Test func urlErrorsNeverShowPasswords() {
        let message = errorText { _ = try ReplicaConfig(url: "sftp://user:hunter2@host:bad/db").resolve() }
        #expect(message == "parse \"sftp://user:xxxxx@host:bad/db\": invalid port \":bad\" after host")
        #expect(ReplicaURL.redacted("s3://bkt/db") == "s3://bkt/db")
        #expect(ReplicaURL.redacted("sftp://u@h/p") == "sftp://u@h/p")
        #expect(ReplicaURL.redacted("sftp://u:p@ss@h/p") == "sftp://u:xxxxx@h/p")
    }

    @Test func settingsDescriptionsHideSecrets() throws {
        var config = ReplicaConfig(url: "abs://acct@container/db")
        config.accountKey = "ACCOUNTKEY"
        let settings = try config.resolve()
        #expect(!"\(settings)".contains("ACCOUNTKEY"))
        guard case .abs(let abs) = settings.backend else {
            Issue.record("expected abs")
            return
        }
        #expect(!abs.description.contains("ACCOUNTKEY"))
    }

    @Test func litestreamCredentialsAreCopiedWhenAWSOnesAreUnset() {
        let env = SwiftStreamMain.withLitestreamCredentials([
            "LITESTREAM_ACCESS_KEY_ID": "L1", "LITESTREAM_SECRET_ACCESS_KEY": "L2", "AWS_SECRET_ACCESS_KEY": "A2",
        ])
        #expect(env["AWS_ACCESS_KEY_ID"] == "L1" && env["AWS_SECRET_ACCESS_KEY"] == "A2")
    }
}
