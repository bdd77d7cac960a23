import Logging
import SwiftStream
import SwiftStreamSystem
import Testing
@testable import SwiftStreamCLI

@Suite struct ConfigTests {
    @Test func readsEveryKey() throws {
        let config = try parseConfig(
            """
            addr: ":9090"
            exec: node app.js
            final-sync-timeout: 3s
            access-key-id: AKID
            secret-access-key: SECRET
            logging:
              level: debug
              type: json
              stderr: true
            dbs:
              - path: /data/app.db
                meta-path: /meta/app
                monitor-interval: 2s
                checkpoint-interval: 5m
                min-checkpoint-page-count: 500
                max-checkpoint-page-count: 0
                replicas:
                  - type: s3
                    name: primary
                    bucket: bkt
                    path: db
                    region: eu-west-1
                    endpoint: http://minio:9000
                    force-path-style: false
                    skip-verify: yes
                    retention: 48h
                    retention-check-interval: 30m
                    sync-interval: 10
                    snapshot-interval: 1h
                    validation-interval: 6h
                    age:
                      identities: [AGE-SECRET-KEY-1X]
                      recipients:
                        - age1abc
                  - type: abs
                    account-name: acct
                    account-key: KEY
                    bucket: container
                  - type: sftp
                    host: example.com:2222
                    user: u
                    password: p
                    key-path: /k
                    path: /backups
            """
        )
        #expect(config.finalSyncTimeout == 3_000_000_000)
        #expect(config.addr == ":9090")
        #expect(config.exec == "node app.js")
        #expect(config.logging == LoggingConfig(level: "debug", type: "json", stderr: true))
        let db = try #require(config.databases.first)
        #expect(db.path == "/data/app.db")
        #expect(db.metaPath == "/meta/app")
        #expect(db.monitorInterval == 2_000_000_000)
        #expect(db.checkpointInterval == 300_000_000_000)
        #expect(db.minCheckpointPageCount == 500)
        #expect(db.maxCheckpointPageCount == 0)
        let r = db.replicas[0]
        #expect(r.type == "s3" && r.name == "primary" && r.bucket == "bkt" && r.path == "db")
        #expect(r.forcePathStyle == false)
        #expect(r.skipVerify == true)
        #expect(r.syncInterval == 10)  // a bare integer is nanoseconds
        #expect(r.retention == 172_800_000_000_000)
        #expect(r.ageIdentities == ["AGE-SECRET-KEY-1X"] && r.ageRecipients == ["age1abc"])

        let settings = try config.resolve(db)
        #expect(settings.engine.metaPath == "/meta/app")
        // validation-interval reaches the engine, which runs the restore drill.
        #expect(settings.replicas[0].engine.validationInterval == .seconds(6 * 3600))
        guard case .s3(let s3) = settings.replicas[0].backend else {
            Issue.record("expected s3")
            return
        }
        #expect(s3.accessKeyID == "AKID" && s3.secretAccessKey == "SECRET")  // top-level credentials
        #expect(s3.forcePathStyle == false)  // explicit key beats the endpoint default
        #expect(settings.replicas[1].name == "abs")
        guard case .abs(let abs) = settings.replicas[1].backend, case .sftp(let sftp) = settings.replicas[2].backend
        else {
            Issue.record("expected abs and sftp")
            return
        }
        #expect(abs.accountName == "acct" && abs.accountKey == "KEY" && abs.bucket == "container")
        #expect(sftp.host == "example.com:2222" && sftp.user == "u" && sftp.keyPath == "/k" && sftp.path == "/backups")
    }

    @Test func fillsDefaults() throws {
        let config = try parseConfig("dbs:\n  - path: /data/app.db\n    replicas:\n      - path: /backups/app\n")
        let db = try config.resolve(config.databases[0])
        #expect(db.engine.metaPath == "/data/.app.db-litestream")
        #expect(db.engine.monitorInterval == .seconds(1))
        #expect(db.engine.checkpointInterval == .seconds(60))
        #expect(db.engine.minCheckpointPageCount == 1000 && db.engine.maxCheckpointPageCount == 10000)
        let r = db.replicas[0]
        #expect(r.name == "file" && r.backend == .file(path: "/backups/app"))
        #expect(r.engine.retention == .seconds(86400) && r.engine.retentionCheckInterval == .seconds(3600))
        #expect(r.engine.syncInterval == .seconds(1) && r.engine.snapshotInterval == .zero)
        #expect(r.engine.validationInterval == .zero)
        let defaults = try LogSettings(config.logging)
        #expect(defaults == LogSettings(format: .text, level: .info, destination: .standardOutput))
    }

    @Test func ignoresUnknownKeysAndNormalisesPaths() throws {
        let config = try parseConfig(
            "region: us-east-1\nsync-interval: 1s\ndbs:\n  - path: /data/../data/./app.db\n    snapshot: {}\n"
        )
        #expect(config.databases.map(\.path) == ["/data/app.db"])
        #expect(config.database(path: "/data/app.db") != nil)
    }

    @Test func topLevelCredentialsFillOnlyEmptyValues() throws {
        let config = try parseConfig(
            """
            access-key-id: TOP
            secret-access-key: TOPSECRET
            dbs:
              - path: /db
                replicas:
                  - url: s3://bkt/db
                    access-key-id: OWN
            """
        )
        guard case .s3(let s3) = try config.resolve(config.databases[0]).replicas[0].backend else {
            Issue.record("expected s3")
            return
        }
        #expect(s3.accessKeyID == "OWN" && s3.secretAccessKey == "TOPSECRET")
        #expect(!s3.description.contains("TOPSECRET"))
    }

    @Test func expandsEnvironmentUnlessDisabled() throws {
        let text = "dbs:\n  - path: $DIR/app.db\n"
        #expect(try parseConfig(text, environment: ["DIR": "/srv"]).databases[0].path == "/srv/app.db")
        let raw = try parseConfig(text, environment: ["DIR": "/srv"], expand: false)
        #expect(raw.databases[0].path.hasSuffix("/$DIR/app.db"))
    }

    @Test(arguments: [
        ("y", true), ("Yes", true), ("ON", true), ("true", true), ("n", false), ("off", false), ("FALSE", false),
    ])
    func acceptsYAML11Booleans(text: String, value: Bool) throws {
        #expect(try parseConfig("logging:\n  stderr: \(text)\n").logging.stderr == value)
    }

    @Test(arguments: [
        ("logging:\n  stderr: maybe\n", "line 2: cannot unmarshal !!str `maybe` into bool"),
        ("logging:\n  stderr: \"true\"\n", "line 2: cannot unmarshal !!str `true` into bool"),
        (
            "dbs:\n  - path: /db\n    replicas:\n      - sync-interval: 1d\n",
            "line 4: cannot unmarshal !!str `1d` into time.Duration (time: unknown unit \"d\" in duration \"1d\")"
        ),
        (
            "dbs:\n  - path: /db\n    min-checkpoint-page-count: many\n",
            "line 3: cannot unmarshal !!str `many` into int"
        ),
        ("dbs: /data/app.db\n", "line 1: cannot unmarshal !!str `/data/app.db` into []DBConfig"),
        ("dbs:\n  - path: [a]\n", "line 2: cannot unmarshal !!seq into string"),
    ])
    func reportsTypeErrorsWithFileAndLine(text: String, message: String) {
        #expect(errorText { _ = try parseConfig(text) } == "cannot parse config /etc/litestream.yml: " + message)
    }

    @Test func reportsSyntaxErrorsOnOneLineWithFileAndLine() throws {
        let message = try #require(errorText { _ = try parseConfig("dbs:\n  - path: /db\n    replicas: [\n\n") })
        #expect(message.hasPrefix("cannot parse config /etc/litestream.yml: line "))
        #expect(!message.contains("\n"))
        let tabs = try #require(errorText { _ = try parseConfig("dbs:\n\t- path: /db\n") })
        #expect(tabs.hasPrefix("cannot parse config /etc/litestream.yml: line 2: "))
    }

    @Test func rejectsUnknownLoggingType() {
        #expect(
            errorText { _ = try parseConfig("logging:\n  type: xml\n") }
                == "unknown logging type in config: \"xml\" (expected \"text\" or \"json\")"
        )
    }

    @Test(arguments: [
        ("debug", Logger.Level.debug), ("DEBUG", .debug), ("info", .info), ("warn", .warning), ("Warning", .warning),
        ("error", .error), ("trace", .info), ("", .info),
    ])
    func mapsLoggingLevels(text: String, level: Logger.Level) throws {
        #expect(try LogSettings(LoggingConfig(level: text)).level == level)
    }

    @Test func emptyDocumentIsAnEmptyConfig() throws {
        #expect(
            try parseConfig("")
                == {
                    var c = Config(); c.sourcePath = "/etc/litestream.yml"; return c
                }())
        #expect(try parseConfig("# only a comment\n").databases.isEmpty)
    }

    /// yaml.v2's non-strict Unmarshal (Litestream's) accepts a repeated key: the last one wins.
    @Test func aRepeatedKeyTakesItsLastValue() throws {
        let config = try parseConfig(
            """
            logging:
              level: debug
              level: warn
            dbs:
              - path: /data/first.db
                path: /data/second.db
                replicas: [{type: file, path: /a, path: /b}]
            """
        )
        #expect(config.logging.level == "warn")
        #expect(config.databases.map(\.path) == ["/data/second.db"])
        #expect(config.databases[0].replicas.map(\.path) == ["/b"])
    }

    /// A chain of merged anchors nests deeper than the document does: it must not exhaust the
    /// stack, and aliasing that doubles at each step is an error rather than an endless expansion.
    @Test func longMergeChainsAndExcessiveAliasing() throws {
        var chain = "a0: &a0 {retention: 1h}\n"
        for i in 1...20_000 { chain += "a\(i): &a\(i) {<<: *a\(i - 1)}\n" }
        chain += "dbs:\n  - path: /db\n    replicas:\n      - <<: *a20000\n        path: /b\n"
        #expect(try parseConfig(chain).databases[0].replicas[0].retention == 3_600_000_000_000)

        var laughs = "l0: &l0 {type: file}\n"
        for i in 1...40 { laughs += "l\(i): &l\(i) {<<: [*l\(i - 1), *l\(i - 1)]}\n" }
        laughs += "dbs:\n  - path: /db\n    replicas:\n      - <<: *l40\n"
        let message = try #require(errorText { _ = try parseConfig(laughs) })
        #expect(message.hasPrefix("cannot parse config /etc/litestream.yml: line "))
        #expect(message.hasSuffix(": document contains excessive aliasing"))
    }

    @Test func mergeKeysAndAnchorsWork() throws {
        let config = try parseConfig(
            """
            x-replica: &defaults
              type: file
              retention: 1h
            dbs:
              - path: /db
                replicas:
                  - <<: *defaults
                    path: /backups/db
            """
        )
        #expect(config.databases[0].replicas[0].retention == 3_600_000_000_000)
        #expect(config.databases[0].replicas[0].path == "/backups/db")
    }

    @Test(arguments: [
        ("1.5", 1.5), ("-2", -2), ("+.5", 0.5), ("3.", 3), ("1e3", 1000), ("2.5E-1", 0.25), (".inf", Double.infinity),
    ])
    func resolvesYAMLFloats(text: String, value: Double) {
        #expect(ConfigDecoder.yamlFloat(text) == value)
    }

    @Test(arguments: ["", ".", "+", "1e", "e3", "1.5s", "1..2", "0x1p3", "1_000.5", " 1.5", "1.5 "])
    func rejectsNonFloats(text: String) {
        #expect(ConfigDecoder.yamlFloat(text) == nil)
    }

    /// yaml.v2 v2.4.0 applies a merge where it stands (it overrides the keys before it) and, in
    /// a merged list, lets the earlier mappings win.
    @Test func mergesApplyInYAMLv2Order() throws {
        let config = try parseConfig(
            """
            a: &a {path: /a, retention: 1h}
            b: &b {path: /b, sync-interval: 5s}
            dbs:
              - path: /db
                replicas:
                  - <<: [*a, *b]
                  - type: s3
                    path: /own
                    <<: *b
                    retention: 2h
            """
        )
        let replicas = config.databases[0].replicas
        #expect(replicas[0].path == "/a")
        #expect(replicas[0].retention == 3_600_000_000_000)
        #expect(replicas[0].syncInterval == 5_000_000_000)
        #expect(replicas[1].path == "/b")
        #expect(replicas[1].type == "s3")
        #expect(replicas[1].retention == 7_200_000_000_000)
    }
}

@Suite struct ConfigLookupTests {
    @Test func usesFlagThenEnvironmentThenDefault() {
        let withEnv = ConfigLoader(environment: ["LITESTREAM_CONFIG": "/env/ls.yml"])
        #expect(withEnv.configPath(flag: "/flag/ls.yml") == "/flag/ls.yml")
        #expect(withEnv.configPath(flag: nil) == "/env/ls.yml")
        #expect(withEnv.configPath(flag: "") == "/env/ls.yml")
        let empty = ConfigLoader(environment: ["LITESTREAM_CONFIG": ""])
        #expect(empty.configPath(flag: nil) == "/etc/litestream.yml")
        #expect(ConfigLoader(environment: [:]).configPath(flag: "/a/../b/ls.yml") == "/b/ls.yml")
        #expect(ConfigLoader(environment: [:]).configPath(flag: "rel.yml") == Path.currentDirectory() + "/rel.yml")
    }

    @Test func missingFileNamesTheAbsolutePath() {
        let loader = ConfigLoader(environment: [:])
        #expect(
            errorText { _ = try loader.load(flag: "/nonexistent/dir/ls.yml", expandEnvironment: true) }
                == "config file not found: /nonexistent/dir/ls.yml"
        )
    }

    @Test func readsTheFileFromTheEnvironmentVariable() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let path = try dir.write("ls.yml", "dbs:\n  - path: ${DB}\n")
        let loader = ConfigLoader(environment: ["LITESTREAM_CONFIG": path, "DB": "/srv/app.db"])
        let config = try loader.load(flag: nil, expandEnvironment: true)
        #expect(config.sourcePath == path)
        #expect(config.databases[0].path == "/srv/app.db")
    }
}
