import SwiftStream
import SwiftStreamSystem
import Synchronization
import Testing
@testable import SwiftStreamCLI

/// A temp directory with a config, a database file and a file replica holding two generations.
struct ReplicaFixture {
    static let genA = "0123456789abcdef"
    static let genB = "fedcba9876543210"

    let dir: TemporaryDirectory
    let configPath: String
    let dbPath: String
    let replicaRoot: String

    init(extraReplicaYAML: String = "", createDatabase: Bool = true) throws {
        dir = try TemporaryDirectory()
        dbPath = dir.path + "/app.db"
        replicaRoot = dir.path + "/replica"
        configPath = try dir.write(
            "litestream.yml",
            """
            dbs:
              - path: \(dbPath)
                replicas:
                  - name: local
                    path: \(replicaRoot)
            \(extraReplicaYAML)
            """
        )
        if createDatabase {
            try dir.writeObject("app.db", size: 4096, mtime: ts("2024-01-01T00:01:10Z"))
        }
        let a = "replica/generations/\(Self.genA)"
        try dir.writeObject("\(a)/snapshots/00000000.snapshot.lz4", size: 100, mtime: ts("2024-01-01T00:00:00Z"))
        try dir.writeObject("\(a)/snapshots/00000002.snapshot.lz4", size: 120, mtime: ts("2024-01-01T00:00:30Z"))
        try dir.writeObject("\(a)/wal/00000000_00000000.wal.lz4", size: 50, mtime: ts("2024-01-01T00:00:01Z"))
        try dir.writeObject("\(a)/wal/00000000_00001020.wal.lz4", size: 60, mtime: ts("2024-01-01T00:00:02Z"))
        try dir.writeObject("\(a)/wal/0000000a_00000000.wal.lz4", size: 70, mtime: ts("2024-01-01T00:01:00Z"))
        let b = "replica/generations/\(Self.genB)"
        try dir.writeObject("\(b)/snapshots/00000001.snapshot.lz4", size: 1_389_251, mtime: ts("2024-01-02T00:00:00Z"))
        // Not a generation: ignored by listings.
        try dir.writeObject(
            "replica/generations/nothex/snapshots/00000000.snapshot.lz4", size: 1, mtime: ts("2024-01-01T00:00:00Z"))
    }

    func remove() { dir.remove() }

    func run(_ arguments: [String], engine: RestoreEngine = .standard) async -> SwiftStreamMain.Result {
        await SwiftStreamMain.run(
            arguments, environment: ["LITESTREAM_CONFIG": configPath], restoreEngine: engine,
            now: { ts("2024-01-02T00:00:05.5Z") }
        )
    }
}

@Suite struct TopLevelTests {
    @Test(arguments: [[], ["help"], ["-h"], ["--help"], ["-config"]])
    func commandListGoesToStdoutWithExitCode1(arguments: [String]) async {
        let result = await SwiftStreamMain.run(arguments)
        #expect(result.exitCode == 1)
        #expect(result.standardOutput.contains("The commands are:"))
        #expect(result.standardOutput.contains("\tgenerations  list available generations for a database\n"))
        #expect(result.standardError.isEmpty)
    }

    @Test func unknownCommand() async {
        let result = await SwiftStreamMain.run(["foo"])
        #expect(result.exitCode == 1)
        #expect(result.standardOutput.isEmpty)
        #expect(result.standardError.hasSuffix(" ERROR failed to run error=\"swiftstream foo: unknown command\"\n"))
    }

    @Test(arguments: ["databases", "generations", "replicate", "restore", "snapshots", "version", "wal"])
    func commandHelpGoesToStdoutWithExitCode1(command: String) async {
        for flag in ["-h", "-help", "--help"] {
            let result = await SwiftStreamMain.run([command, flag])
            #expect(result.exitCode == 1)
            #expect(result.standardOutput.contains("swiftstream \(command)"))
            #expect(command == "version" || result.standardOutput.contains("\t-config PATH\n"))
            #expect(result.standardError.isEmpty)
        }
    }

    @Test func unknownFlagPrintsErrorAndUsage() async {
        let result = await SwiftStreamMain.run(["snapshots", "-x", "db"])
        #expect(result.exitCode == 1)
        #expect(result.standardOutput.contains("Usage:"))
        let lines = result.standardError.split(separator: "\n")
        #expect(lines.first == "flag provided but not defined: -x")
        #expect(lines.count == 2 && lines[1].hasSuffix("failed to run error=\"flag provided but not defined: -x\""))
    }

    @Test func versionPrintsVersionAndLibraries() async {
        let result = await SwiftStreamMain.run(["version", "ignored"])
        #expect(result.exitCode == 0)
        let lines = result.standardOutput.split(separator: "\n")
        #expect(lines.count == 4)
        #expect(lines[0] == "swiftstream \(VersionCommand.version)")
        #expect(lines[1] == "sqlite \(SQLiteConnection.libraryVersion)")
        #expect(lines[2].hasPrefix("libcurl ") && lines[3].hasPrefix("openssl "))
    }

    @Test func missingConfigFile() async {
        let result = await SwiftStreamMain.run(["databases", "-config", "/nonexistent/ls.yml"])
        #expect(result.exitCode == 1)
        #expect(result.standardError.contains("error=\"config file not found: /nonexistent/ls.yml\""))
    }
}

@Suite struct ListingCommandTests {
    @Test func snapshotsTable() async throws {
        let fixture = try ReplicaFixture()
        defer { fixture.remove() }
        let result = await fixture.run(["snapshots", fixture.dbPath])
        #expect(result.exitCode == 0)
        #expect(
            result.standardOutput == """
                replica  generation        index  size     created
                local    0123456789abcdef  0      100      2024-01-01T00:00:00Z
                local    0123456789abcdef  2      120      2024-01-01T00:00:30Z
                local    fedcba9876543210  1      1389251  2024-01-02T00:00:00Z

                """
        )
        #expect(result.standardError.isEmpty)
    }

    @Test func snapshotsJSON() async throws {
        let fixture = try ReplicaFixture()
        defer { fixture.remove() }
        let result = await fixture.run(["snapshots", "-json", "file://" + fixture.replicaRoot])
        #expect(
            result.standardOutput == "["
                + "{\"replica\":\"file\",\"generation\":\"0123456789abcdef\",\"index\":0,\"size\":100,"
                + "\"created\":\"2024-01-01T00:00:00Z\"},"
                + "{\"replica\":\"file\",\"generation\":\"0123456789abcdef\",\"index\":2,\"size\":120,"
                + "\"created\":\"2024-01-01T00:00:30Z\"},"
                + "{\"replica\":\"file\",\"generation\":\"fedcba9876543210\",\"index\":1,\"size\":1389251,"
                + "\"created\":\"2024-01-02T00:00:00Z\"}]\n"
        )
    }

    @Test func walTableAndGenerationFilter() async throws {
        let fixture = try ReplicaFixture()
        defer { fixture.remove() }
        let all = await fixture.run(["wal", "-replica", "local", fixture.dbPath])
        #expect(
            all.standardOutput == """
                replica  generation        index  offset  size  created
                local    0123456789abcdef  0      0       50    2024-01-01T00:00:01Z
                local    0123456789abcdef  0      4128    60    2024-01-01T00:00:02Z
                local    0123456789abcdef  10     0       70    2024-01-01T00:01:00Z

                """
        )
        let none = await fixture.run(["wal", "-generation", ReplicaFixture.genB, fixture.dbPath])
        #expect(none.exitCode == 0 && none.standardOutput == "replica  generation  index  offset  size  created\n")
        let json = await fixture.run(["wal", "-json", "-generation", ReplicaFixture.genA, fixture.dbPath])
        #expect(
            json.standardOutput.hasPrefix(
                "[{\"replica\":\"local\",\"generation\":\"0123456789abcdef\",\"index\":0,\"offset\":0,\"size\":50,"
                    + "\"created\":\"2024-01-01T00:00:01Z\"},"
            )
        )
    }

    @Test func generationsInPathModeUseTheDatabaseTime() async throws {
        let fixture = try ReplicaFixture()
        defer { fixture.remove() }
        let result = await fixture.run(["generations", fixture.dbPath])
        #expect(result.exitCode == 0)
        #expect(
            result.standardOutput == """
                name   generation        lag         start                 end
                local  0123456789abcdef  10s         2024-01-01T00:00:00Z  2024-01-01T00:01:00Z
                local  fedcba9876543210  -23h58m50s  2024-01-02T00:00:00Z  2024-01-02T00:00:00Z

                """
        )
    }

    @Test func generationsInURLModeUseNow() async throws {
        let fixture = try ReplicaFixture()
        defer { fixture.remove() }
        let result = await fixture.run(["generations", "-json", "file://" + fixture.replicaRoot])
        #expect(
            result.standardOutput == "["
                + "{\"name\":\"file\",\"generation\":\"0123456789abcdef\",\"lag_ns\":86345500000000,"
                + "\"start\":\"2024-01-01T00:00:00Z\",\"end\":\"2024-01-01T00:01:00Z\"},"
                + "{\"name\":\"file\",\"generation\":\"fedcba9876543210\",\"lag_ns\":5500000000,"
                + "\"start\":\"2024-01-02T00:00:00Z\",\"end\":\"2024-01-02T00:00:00Z\"}]\n"
        )
        let table = await fixture.run(["generations", "file://" + fixture.replicaRoot])
        #expect(table.standardOutput.contains("file  fedcba9876543210  5.5s  "))
    }

    @Test func generationsFailsWithoutTheDatabaseFile() async throws {
        let fixture = try ReplicaFixture(createDatabase: false)
        defer { fixture.remove() }
        let result = await fixture.run(["generations", fixture.dbPath])
        #expect(result.exitCode == 1)
        // Config mode logs in the config's format (text), on stderr for the final error.
        #expect(
            result.standardError.contains(
                "level=ERROR msg=\"failed to run\" error=\"stat \(fixture.dbPath): no such file or directory\""
            )
        )
    }

    @Test func generationWithoutObjectsPrintsZeroTimes() async throws {
        let fixture = try ReplicaFixture()
        defer { fixture.remove() }
        try FileIO.makeDirectories(fixture.replicaRoot + "/generations/1111111111111111")
        let result = await fixture.run(["generations", "file://" + fixture.replicaRoot])
        #expect(
            result.standardOutput.contains(
                "file  1111111111111111  2562047h47m16s  0001-01-01T00:00:00Z  0001-01-01T00:00:00Z\n"
            )
        )
    }

    @Test func databasesTableAndJSON() async throws {
        let fixture = try ReplicaFixture(extraReplicaYAML: "      - url: s3://bkt/app")
        defer { fixture.remove() }
        let table = await fixture.run(["databases"])
        #expect(table.exitCode == 0)
        #expect(
            table.standardOutput
                == "path\(String(repeating: " ", count: fixture.dbPath.count - 2))replicas\n\(fixture.dbPath)  local,s3\n"
        )
        let json = await fixture.run(["databases", "-json"])
        #expect(json.standardOutput == "[{\"path\":\"\(fixture.dbPath)\",\"replicas\":[\"local\",\"s3\"]}]\n")
        let extra = await fixture.run(["databases", "x"])
        #expect(extra.exitCode == 1 && extra.standardError.contains("error=\"too many arguments\""))
    }

    @Test func databasesPrintsRowsBeforeAnInvalidDatabase() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let config = try dir.write(
            "ls.yml", "dbs:\n  - path: /a.db\n    replicas: [{path: /r}]\n  - path: /b.db\n    replicas: [{type: s3}]\n"
        )
        let result = await SwiftStreamMain.run(["databases", "-config", config])
        #expect(result.exitCode == 1)
        #expect(result.standardOutput == "path   replicas\n/a.db  file\n")
        #expect(result.standardError.contains("error=\"bucket required for s3 replica\""))
    }

    @Test func argumentErrors() async throws {
        let fixture = try ReplicaFixture()
        defer { fixture.remove() }
        let cases: [([String], String)] = [
            (["snapshots"], "database path required"),
            (["snapshots", fixture.dbPath, "-json"], "too many arguments"),
            (["wal"], "database path required"),
            (["generations"], "database path or replica URL required"),
            (["generations", "a", "b"], "too many arguments"),
            (
                ["snapshots", "-config", fixture.configPath, "s3://bkt/db"],
                "cannot specify a replica URL and the -config flag"
            ),
            (["snapshots", "/nowhere/x.db"], "database not found in config: /nowhere/x.db"),
            (
                ["snapshots", "-replica", "nope", fixture.dbPath],
                "replica \\\"nope\\\" not found for database \\\"\(fixture.dbPath)\\\""
            ),
            (["snapshots", "gcs://bkt/db"], "replica type \\\"gcs\\\" is not supported by this build yet"),
        ]
        for (arguments, message) in cases {
            let result = await fixture.run(arguments)
            #expect(result.exitCode == 1, "\(arguments)")
            #expect(result.standardError.contains("error=\"\(message)\""), "\(arguments): \(result.standardError)")
        }
    }
}

/// Records restore requests and answers with a fixed outcome.
final class RecordingEngine: Sendable {
    let requests = Mutex<[RestoreEngine.Request]>([])
    let outcome: RestoreEngine.Outcome

    init(_ outcome: RestoreEngine.Outcome) { self.outcome = outcome }

    var engine: RestoreEngine {
        RestoreEngine { request, _ in
            self.requests.withLock { $0.append(request) }
            return self.outcome
        }
    }

    var count: Int { requests.withLock { $0.count } }
    var last: RestoreEngine.Request? { requests.withLock { $0.last } }
}

@Suite struct RestoreCommandTests {
    @Test func validatesArgumentsBeforeTouchingReplicas() async throws {
        let fixture = try ReplicaFixture()
        defer { fixture.remove() }
        let recorder = RecordingEngine(.noMatchingBackups)
        let cases: [([String], String)] = [
            (["restore"], "database path or replica URL required"),
            (["restore", "a", "b"], "too many arguments"),
            (["restore", "-timestamp", "yesterday", "db"], RestoreCommand.timestampError),
            (["restore", "-timestamp", "2024-01-01T00:00:00", "db"], RestoreCommand.timestampError),
            (
                ["restore", "-config", fixture.configPath, "file:///x"],
                "cannot specify a replica URL and the -config flag"
            ),
            (["restore", "file:///x"], "output path required"),
            (["restore", "/nowhere/x.db"], "database not found in config: /nowhere/x.db"),
            (["restore", "-index", "zz", "x"], "invalid value \\\"zz\\\" for flag -index: invalid hexadecimal format"),
            (["restore", "-v", "x"], "flag provided but not defined: -v"),
        ]
        for (arguments, message) in cases {
            let result = await fixture.run(arguments, engine: recorder.engine)
            #expect(result.exitCode == 1, "\(arguments)")
            #expect(result.standardError.contains("error=\"\(message)\""), "\(arguments): \(result.standardError)")
        }
        #expect(recorder.count == 0)
    }

    @Test func ifDBNotExistsSkipsBeforeAnyReplicaAccess() async throws {
        let fixture = try ReplicaFixture()
        defer { fixture.remove() }
        let recorder = RecordingEngine(.noMatchingBackups)
        let pathMode = await fixture.run(["restore", "-if-db-not-exists", fixture.dbPath], engine: recorder.engine)
        #expect(pathMode.exitCode == 0)
        #expect(
            pathMode.standardOutput.contains(
                "level=INFO msg=\"database already exists, skipping\" db=\(fixture.dbPath)"))
        let urlMode = await fixture.run(
            ["restore", "-if-db-not-exists", "-o", fixture.dbPath, "s3://bkt/db"], engine: recorder.engine
        )
        #expect(urlMode.exitCode == 0)
        #expect(urlMode.standardError.hasSuffix(" INFO database already exists, skipping\n"))
        #expect(recorder.count == 0)
    }

    @Test func noMatchingBackups() async throws {
        let fixture = try ReplicaFixture()
        defer { fixture.remove() }
        let recorder = RecordingEngine(.noMatchingBackups)
        let output = fixture.dir.path + "/out.db"
        let failing = await fixture.run(["restore", "-o", output, fixture.dbPath], engine: recorder.engine)
        #expect(failing.exitCode == 1)
        #expect(failing.standardError.contains("msg=\"failed to run\" error=\"no matching backups found\""))
        let tolerated = await fixture.run(
            ["restore", "-if-replica-exists", "-o", output, fixture.dbPath], engine: recorder.engine
        )
        #expect(tolerated.exitCode == 0)
        #expect(tolerated.standardOutput.contains("msg=\"no matching backups found\""))
        // A malformed -generation or an unknown -replica simply matches nothing.
        let badGeneration = await fixture.run(
            ["restore", "-generation", "xyz", "-o", output, fixture.dbPath], engine: recorder.engine
        )
        #expect(badGeneration.standardError.contains("error=\"no matching backups found\""))
        #expect(recorder.count == 2)
        _ = await fixture.run(["restore", "-replica", "nope", "-o", output, fixture.dbPath], engine: recorder.engine)
        #expect(recorder.last?.replicas.isEmpty == true)
    }

    @Test func passesOptionsToTheEngine() async throws {
        let fixture = try ReplicaFixture()
        defer { fixture.remove() }
        let gen = try #require(Generation(ReplicaFixture.genA))
        let recorder = RecordingEngine(.restored(replica: "local", generation: gen))
        let result = await fixture.run(
            [
                "restore", "-replica", "local", "-generation", ReplicaFixture.genA, "-index", "1a", "-parallelism", "0",
                "-timestamp", "2024-01-01T00:00:30+01:00", fixture.dbPath,
            ],
            engine: recorder.engine
        )
        #expect(result.exitCode == 0, "\(result.standardError)")
        let request = try #require(recorder.last)
        #expect(request.replicas.map(\.name) == ["local"])
        #expect(request.generation == gen)
        #expect(request.timestamp == ts("2024-01-01T00:00:30+01:00"))
        #expect(request.options.outputPath == fixture.dbPath)  // defaults to the database path
        #expect(request.options.index == 26)
        #expect(request.options.parallelism == 1)
        #expect(request.options.progress == nil)  // stderr is not a terminal
    }

    @Test func realEngineReportsNoMatchForATimestampBeforeEveryBackup() async throws {
        let fixture = try ReplicaFixture()
        defer { fixture.remove() }
        let result = await fixture.run(
            ["restore", "-timestamp", "2023-12-31T23:59:59Z", "-o", fixture.dir.path + "/out.db", fixture.dbPath]
        )
        #expect(result.exitCode == 1)
        #expect(result.standardError.contains("error=\"no matching backups found\""))
    }

    /// A timestamp after a generation's last object chooses the generation with the newest state
    /// at that time; inside a range, Litestream's rule (the range that contains it) still decides.
    @Test func timestampChoosesTheNewestStateAtOrBeforeIt() async throws {
        let fixture = try ReplicaFixture()
        defer { fixture.remove() }
        let replicas = [NamedReplica(name: "local", client: FileReplicaClient(root: fixture.replicaRoot))]
        func chosen(_ time: String) async throws -> String? {
            try await Restore.chooseTarget(replicas: replicas, generation: nil, timestamp: ts(time))?.generation.id
        }
        #expect(try await chosen("2023-12-31T23:59:59Z") == nil)
        #expect(try await chosen("2024-01-01T00:00:30Z") == ReplicaFixture.genA)
        #expect(try await chosen("2024-01-01T12:00:00Z") == ReplicaFixture.genA)
        #expect(try await chosen("2024-01-02T00:00:00Z") == ReplicaFixture.genB)
        #expect(try await chosen("2030-01-01T00:00:00Z") == ReplicaFixture.genB)
    }
}

@Suite struct ReplicateCommandTests {
    @Test func argumentForms() async throws {
        let fixture = try ReplicaFixture()
        defer { fixture.remove() }
        let cases: [([String], String)] = [
            (["replicate", "/data/app.db"], "must specify at least one replica URL for /data/app.db"),
            (
                ["replicate", "-config", fixture.configPath, "/db", "s3://b/db"],
                "cannot specify a replica URL and the -config flag"
            ),
            (["replicate", "/db", "file:///a", "file:///b"], "duplicate replica name: \\\"file\\\""),
            (
                ["replicate", "-exec", "app 'unbalanced", "/db", "file:///a"],
                "cannot parse exec command: invalid command line string"
            ),
            (["replicate", "-exec", " ; ", "/db", "file:///a"], "exec command is empty"),
        ]
        for (arguments, message) in cases {
            let result = await fixture.run(arguments)
            #expect(result.exitCode == 1, "\(arguments)")
            #expect(result.standardError.contains("error=\"\(message)\""), "\(arguments): \(result.standardError)")
        }
    }

    @Test(
        .timeLimit(.minutes(1)),
        arguments: [
            "recipients:\n          - age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p",
            "identities:\n          - AGE-SECRET-KEY-1QQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQ",
        ])
    func ageKeysAreRefusedInsteadOfReplicatingPlaintext(keys: String) async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let config = try dir.write(
            "litestream.yml",
            """
            dbs:
              - path: \(dir.path)/app.db
                replicas:
                  - url: file://\(dir.path)/replica
                    age:
                      \(keys)

            """)
        for arguments in [
            ["replicate", "-config", config],
            ["restore", "-config", config, "-o", dir.path + "/out.db", dir.path + "/app.db"],
            ["snapshots", "-config", config, dir.path + "/app.db"],
        ] {
            let result = await SwiftStreamMain.run(arguments, environment: [:])
            #expect(result.exitCode == 1, "\(arguments)")
            #expect(
                result.standardError.contains("age encryption is not supported by this build yet"),
                "\(arguments): \(result.standardError)")
            #expect(!result.standardError.contains("AGE-SECRET-KEY"))
        }
        #expect(!FileIO.exists(dir.path + "/replica"))
        #expect(!FileIO.exists(dir.path + "/out.db"))
    }

    @Test func childExitCodeIsTheDaemonsExitCode() async throws {
        let fixture = try ReplicaFixture()
        defer { fixture.remove() }
        let db = fixture.dir.path + "/exec.db"
        let result = await fixture.run([
            "replicate", "-exec", "sh -c 'exit 3'", db, "file://" + fixture.dir.path + "/exec-replica",
        ])
        #expect(result.exitCode == 3, "\(result.standardError)")
        #expect(result.standardError.contains("subprocess exited"))
    }

    @Test func buildsConfigFromURLs() throws {
        let parsed = try ReplicateCommand.flags.parse(["-exec", "app --port 1", "db.sqlite", "file:///b", "s3://bkt/x"])
        let context = CommandContext(
            environment: [:], log: LogOutput(standardOutput: BufferSink(), standardError: BufferSink())
        )
        let options = try ReplicateCommand.options(parsed)
        let config = try ReplicateCommand.configuration(options, context: context)
        #expect(options.exec == "app --port 1")
        #expect(config.databases.count == 1)
        #expect(config.databases[0].path == Path.currentDirectory() + "/db.sqlite")
        #expect(config.databases[0].replicas.map(\.url) == ["file:///b", "s3://bkt/x"])
        #expect(config.databases[0].replicas.allSatisfy { $0.syncInterval == 1_000_000_000 })
    }
}
