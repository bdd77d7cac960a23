#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif
import PeerTestSupport
import SwiftStream
import SwiftStreamSystem
import Testing

extension EndToEnd {
    /// `replicate -exec`: signals reach the child, its exit status becomes swiftstream's, and
    /// what it wrote just before exiting is in the replica; without `-exec`, SIGTERM makes a
    /// final sync and exit 0 (replication.md §12, checklist 46).
    @Suite struct ExecTests {
        /// The child: writes a row describing its environment and standard input, five rows
        /// with the sqlite3 shell, then behaves as `$2` says.
        /// On SIGTERM (when trapped) it writes a `sigterm` row and a marker file and exits 0.
        static let childScript = """
            #!/bin/sh
            DB="$1"
            MODE="$2"
            q() { sqlite3 "$DB" "PRAGMA busy_timeout=5000; $1" >/dev/null; }
            on_term() { q "INSERT INTO events (note) VALUES ('sigterm');"; echo trapped > "$DB.trapped"; exit 0; }
            trap on_term TERM
            q "INSERT INTO events (note) VALUES ('env $EXEC_MARKER $AWS_ACCESS_KEY_ID $(readlink /proc/$$/fd/0)');"
            i=1
            while [ $i -le 5 ]; do q "INSERT INTO events (note) VALUES ('row $i');"; i=$((i + 1)); done
            case "$MODE" in
              exit0) q "INSERT INTO events (note) VALUES ('last');"; exit 0 ;;
              exit3) q "INSERT INTO events (note) VALUES ('last');"; exit 3 ;;
              kill) q "INSERT INTO events (note) VALUES ('last');"; kill -KILL $$ ;;
              untrapped) trap - TERM ;;
            esac
            echo ready > "$DB.ready"
            n=0
            while [ $n -lt 600 ]; do sleep 0.05 & wait $!; n=$((n + 1)); done  # gives up after ~30 s
            exit 99
            """

        struct Case: Sendable, CustomTestStringConvertible {
            var mode: String
            /// The signal to send to swiftstream once the child is ready, if any.
            var signal: Int32?
            var expectedStatus: ChildProcess.ExitStatus
            var lastNote: String
            var testDescription: String { mode }
        }

        static let cases: [Case] = [
            Case(mode: "exit0", signal: nil, expectedStatus: .exited(0), lastNote: "last"),
            Case(mode: "exit3", signal: nil, expectedStatus: .exited(3), lastNote: "last"),
            Case(mode: "kill", signal: nil, expectedStatus: .exited(137), lastNote: "last"),
            Case(mode: "trapped", signal: SIGTERM, expectedStatus: .exited(0), lastNote: "sigterm"),
            Case(mode: "untrapped", signal: SIGTERM, expectedStatus: .exited(143), lastNote: "row 5"),
            // SIGINT is forwarded too; the child does not trap it and dies of it.
            Case(mode: "interrupted", signal: SIGINT, expectedStatus: .exited(130), lastNote: "row 5"),
        ]

        @Test(arguments: cases)
        func childExitStatusAndLastRows(_ testCase: Case) async throws {
            var scenario = try Scenario("exec-\(testCase.mode)", replicaLines: ["snapshot-interval: 1h"])
            let database = try SQLiteConnection(path: scenario.databasePath, create: true)
            _ = try database.scalarText("PRAGMA journal_mode=WAL")
            try database.execute("CREATE TABLE events (id INTEGER PRIMARY KEY, note TEXT)")
            let script = scenario.directory + "/child.sh"
            try TestEnvironment.writeFile(script, Self.childScript)

            let daemon = try scenario.start(
                .swiftstream, extraArguments: ["-exec", "sh \(script) \(scenario.databasePath) \(testCase.mode)"],
                environment: [
                    "EXEC_MARKER": "marker-\(testCase.mode)", "LITESTREAM_ACCESS_KEY_ID": "AKIDFROMLITESTREAM",
                    "AWS_ACCESS_KEY_ID": nil,
                ])
            if let signal = testCase.signal {
                try await waitUntil("the child is ready") {
                    try daemon.checkRunning()
                    return FileIO.exists(scenario.databasePath + ".ready")
                }
                try daemon.process.send(signal: signal)
            }
            guard let status = await daemon.process.wait(timeout: .seconds(30)) else {
                await daemon.kill()
                Issue.record("swiftstream did not exit:\n\(daemon.log)")
                return
            }
            #expect(status == testCase.expectedStatus, "\(testCase.mode):\n\(daemon.log)")
            #expect(FileIO.exists(scenario.databasePath + ".trapped") == (testCase.mode == "trapped"))
            if testCase.signal != nil {
                #expect(daemon.log.contains("sending signal to exec process"), "\(daemon.log)")
            }

            let live = try database.query("SELECT id, note FROM events ORDER BY id")
            #expect(
                live.first?.last == .text("env marker-\(testCase.mode) AKIDFROMLITESTREAM /dev/null"),
                "the child inherits the environment (with AWS_* copied from LITESTREAM_*) and reads /dev/null")
            #expect(live.last?.last == .text(testCase.lastNote), "the child's last row in the live database")
            for tool in Tool.allCases {
                let restored = try await RestoreChecks.restore(
                    tool, [scenario.replicaURL], into: scenario.directory, label: "exec")
                guard restored.digest != nil else { continue }
                let rows = try SQLiteConnection(path: restored.output, readOnly: true)
                    .query("SELECT id, note FROM events ORDER BY id")
                #expect(rows == live, "\(tool) restore holds every row the child wrote, up to '\(testCase.lastNote)'")
            }
        }

        /// Without `-exec`, SIGTERM stops replication with a final sync: rows committed just
        /// before the signal are uploaded although the sync interval is 1 h, and the exit status is 0.
        @Test func sigtermWithoutExecMakesFinalSync() async throws {
            var scenario = try Scenario("exec-none", syncInterval: "1h")
            let workload = try Workload(path: scenario.databasePath)
            try workload.write(transactions: 3, label: "before-start")
            let daemon = try scenario.start(.swiftstream)
            let generation = try await scenario.waitForGeneration(daemon)
            try await waitUntil("the initial sync uploaded the first WAL segment") {
                try daemon.checkRunning()
                return try !scenario.inspector.segments(generation).isEmpty
            }
            let segmentsAtStart = try scenario.inspector.segments(generation)
            workload.start(interval: .milliseconds(10))
            try await workload.waitForProgress(30)
            #expect(
                try scenario.inspector.segments(generation) == segmentsAtStart,
                "no sync before the signal with sync-interval 1h")
            let acknowledged = workload.acknowledged
            try await daemon.stopCleanly()
            try await workload.stop()
            #expect(daemon.log.contains("signal received"), "\(daemon.log)")
            #expect(try scenario.inspector.segments(generation).count > segmentsAtStart.count)
            for tool in Tool.allCases {
                let restored = try await RestoreChecks.restore(
                    tool, [scenario.replicaURL], into: scenario.directory, label: "final-sync")
                guard restored.digest != nil else { continue }
                try Workload.expectLedger(at: restored.output, holdsAtLeast: acknowledged)
            }
        }

        @Test func unbalancedQuotesInExec() async throws {
            let scenario = try Scenario("exec-quotes")
            _ = try Workload(path: scenario.databasePath)
            let result = try await Tool.swiftstream.run([
                "replicate", "-config", scenario.configPath, "-exec", "sh -c 'echo hello",
            ])
            #expect(result.status == .exited(1), "\(result)")
            #expect(
                result.standardError.contains("cannot parse exec command: invalid command line string"), "\(result)")
            #expect(try scenario.inspector.generations().isEmpty, "nothing replicated before the exec check")
        }

        /// Litestream's text (Go's `exec.LookPath`, quoted again by the text log format), and
        /// swiftstream checks before it replicates.
        @Test func missingExecProgram() async throws {
            let scenario = try Scenario("exec-missing")
            _ = try Workload(path: scenario.databasePath)
            let result = try await Tool.swiftstream.run([
                "replicate", "-config", scenario.configPath, "-exec", "no-such-program-swiftstream --flag",
            ])
            #expect(result.status == .exited(1), "\(result)")
            #expect(
                result.standardError.contains(
                    #"error="cannot start exec command: exec: \"no-such-program-swiftstream\": executable file not found in $PATH""#
                ),
                "\(result)")
            #expect(try scenario.inspector.generations().isEmpty, "nothing replicated before the exec check")
        }
    }
}
