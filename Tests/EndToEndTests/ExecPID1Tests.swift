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
    /// `replicate -exec` as a container's PID 1 (issue 15, point 4): a child subreaper that reaps
    /// the app's orphaned helpers, and signals that reach the app's whole process group.
    @Suite struct ExecPID1Tests {
        /// The app: orphans three helpers (a subshell starts each in the background and exits),
        /// which wait for `$DIR/release`; then lives on until a signal (or ~30 s).
        static let orphaningApp = """
            #!/bin/sh
            DIR="$1"
            for n in 1 2 3; do
              ( sh -c 'while [ ! -e "$1/release" ]; do sleep 0.05; done' orphan "$DIR" & echo $! >> "$DIR/orphans" )
            done
            n=0
            while [ $n -lt 600 ]; do sleep 0.05 & wait $!; n=$((n + 1)); done
            """

        /// The app: starts a helper in the background (same process group) and lives on until a
        /// signal (or ~30 s); the helper writes `$DIR/helper.term` when it gets SIGTERM.
        static let helperApp = """
            #!/bin/sh
            DIR="$1"
            sh -c 'trap "echo trapped > $0/helper.term; exit 0" TERM; echo $$ > $0/helper.pid; n=0
              while [ $n -lt 600 ]; do sleep 0.05; n=$((n + 1)); done' "$DIR" &
            echo $$ > "$DIR/app.pid"
            n=0
            while [ $n -lt 600 ]; do sleep 0.05 & wait $!; n=$((n + 1)); done
            """

        /// Orphans are re-parented to swiftstream (even though it is not PID 1 here) and reaped
        /// as soon as they exit, while the app and swiftstream keep running.
        @Test func reapsOrphanedHelpers() async throws {
            var scenario = try Scenario("exec-orphans")
            _ = try Workload(path: scenario.databasePath)
            let daemon = try startApp(Self.orphaningApp, in: &scenario)
            let orphansFile = scenario.directory + "/orphans"
            var orphans: [pid_t] = []
            defer { for orphan in orphans { kill(orphan, SIGKILL) } }
            try await waitUntil("the app orphaned three helpers") {
                try daemon.checkRunning()
                orphans = try Self.pids(in: orphansFile)
                return orphans.count == 3
            }
            try await waitUntil("the orphans are re-parented to swiftstream (\(orphans))", timeout: .seconds(10)) {
                try daemon.checkRunning()
                return orphans.allSatisfy { Self.status(of: $0)?["PPid"] == "\(daemon.process.pid)" }
            }
            try TestEnvironment.writeFile(scenario.directory + "/release", "")
            try await waitUntil(
                "swiftstream reaped the orphans: \(orphans.map { Self.status(of: $0)?["State"] ?? "gone" })",
                timeout: .seconds(10)
            ) {
                try daemon.checkRunning()
                return orphans.allSatisfy { Self.status(of: $0) == nil } && Self.zombieChildren(of: daemon).isEmpty
            }
            let status = try await daemon.stop()
            #expect(status == .exited(128 + SIGTERM), "the app dies of the forwarded SIGTERM:\n\(daemon.log)")
        }

        /// By default SIGTERM goes to the app's process group, so a helper it started gets it
        /// too; with `SWIFTSTREAM_EXEC_SIGNAL=process` only the app does, as with Litestream.
        @Test(arguments: ["group", "process"])
        func sigtermReachesTheAppsHelpers(_ mode: String) async throws {
            var scenario = try Scenario("exec-signal-\(mode)")
            _ = try Workload(path: scenario.databasePath)
            let daemon = try startApp(Self.helperApp, in: &scenario, environment: ["SWIFTSTREAM_EXEC_SIGNAL": mode])
            var started: [pid_t] = []
            defer { for pid in started { kill(pid, SIGKILL) } }
            try await waitUntil("the app and its helper started") {
                try daemon.checkRunning()
                started = try ["/app.pid", "/helper.pid"].flatMap { try Self.pids(in: scenario.directory + $0) }
                return started.count == 2
            }
            let (app, helper) = (started[0], started[1])
            let expectedGroup = mode == "group" ? app : getpgid(daemon.process.pid)
            #expect(getpgid(app) == expectedGroup, "\(mode): the app's process group")
            #expect(getpgid(helper) == expectedGroup, "\(mode): the helper's process group")

            let status = try await daemon.stop()
            #expect(status == .exited(128 + SIGTERM), "the app dies of the forwarded SIGTERM:\n\(daemon.log)")
            let marker = scenario.directory + "/helper.term"
            if mode == "group" {
                try await waitUntil("the helper got SIGTERM", timeout: .seconds(10)) { FileIO.exists(marker) }
            } else {
                #expect(!FileIO.exists(marker), "only the app got SIGTERM")
                #expect(kill(helper, 0) == 0, "the helper still runs")
            }
        }

        private func startApp(
            _ script: String, in scenario: inout Scenario, environment: [String: String?] = [:]
        ) throws -> ReplicateDaemon {
            let path = scenario.directory + "/app.sh"
            try TestEnvironment.writeFile(path, script)
            return try scenario.start(
                .swiftstream, extraArguments: ["-exec", "sh \(path) \(scenario.directory)"], environment: environment)
        }

        /// The process ids listed one per line in `path` (none while it does not exist).
        private static func pids(in path: String) throws -> [pid_t] {
            guard FileIO.exists(path) else { return [] }
            return try ReplicateDaemon.readProcFile(path).split(separator: "\n").compactMap { pid_t($0) }
        }

        /// The fields of /proc/<pid>/status (`State`, `PPid`, ...); nil once the process is gone.
        private static func status(of pid: pid_t) -> [String: String]? {
            guard let text = try? ReplicateDaemon.readProcFile("/proc/\(pid)/status") else { return nil }
            var fields: [String: String] = [:]
            for line in text.split(separator: "\n") {
                guard let colon = line.firstIndex(of: ":") else { continue }
                fields[String(line[..<colon])] = String(line[line.index(after: colon)...]).trimmingCharacters(in: " \t")
            }
            return fields
        }

        /// The daemon's children (of any of its threads) that are zombies (`State: Z`).
        private static func zombieChildren(of daemon: ReplicateDaemon) -> [pid_t] {
            let tasks = "/proc/\(daemon.process.pid)/task"
            let children = ((try? FileIO.listDirectory(tasks)) ?? []).flatMap { task in
                ((try? ReplicateDaemon.readProcFile("\(tasks)/\(task.name)/children")) ?? "").split(separator: " ")
            }
            return children.compactMap { pid_t($0) }.filter { status(of: $0)?["State"]?.hasPrefix("Z") == true }
        }
    }
}
