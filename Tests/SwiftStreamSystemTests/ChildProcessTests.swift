import Glibc
import SwiftStreamSystem
import Testing

@Suite struct ChildProcessTests {
    @Test func capturesOutputAndExitCode() throws {
        let result = try ChildProcess.run(["/bin/sh", "-c", "echo out; echo err >&2; exit 3"])
        #expect(result.status == .exited(3))
        #expect(result.status.shellStyleCode == 3)
        #expect(result.status.description == "exit status 3")
        #expect(result.standardOutput == "out\n")
        #expect(result.standardError == "err\n")
    }

    @Test func asyncRunCapturesOutput() async throws {
        let result = try await ChildProcess.run(["sh", "-c", "printf 'a b'; printf x >&2"])
        #expect(result.status == .exited(0))
        #expect(result.status.isSuccess)
        #expect(result.standardOutput == "a b")
        #expect(result.standardError == "x")
    }

    @Test func looksUpCommandsInPath() throws {
        #expect(try ChildProcess.run(["true"]).status == .exited(0))
        #expect(try ChildProcess.run(["false"]).status == .exited(1))
    }

    @Test func reportsMissingProgramsWithTheirName() {
        let error = #expect(throws: SystemError.self) {
            _ = try ChildProcess(["swiftstream-no-such-program-xyz"])
        }
        #expect(error?.description == "spawn swiftstream-no-such-program-xyz: no such file or directory")
        #expect(throws: ChildProcess.Failure.self) { _ = try ChildProcess([]) }
    }

    /// Reads `SigBlk`/`SigIgn` of a child; both must be empty even when the spawning thread has
    /// signals blocked (Swift Testing and concurrency threads do). glibc's posix_spawn always
    /// leaves its two internal real-time signals (32, 33) ignored, so only 1...31 are checked.
    @Test func childStartsWithEmptySignalMaskAndDefaultDispositions() throws {
        var block = sigset_t()
        sigemptyset(&block)
        sigaddset(&block, SIGTERM)
        sigaddset(&block, SIGINT)
        var previous = sigset_t()
        pthread_sigmask(SIG_BLOCK, &block, &previous)
        defer { pthread_sigmask(SIG_SETMASK, &previous, nil) }
        let result = try ChildProcess.run(["cat", "/proc/self/status"])
        let lines = result.standardOutput.split(separator: "\n")
        #expect(lines.contains("SigBlk:\t0000000000000000"))
        let ignored = lines.first { $0.hasPrefix("SigIgn:\t") }.flatMap { UInt64($0.dropFirst(8), radix: 16) }
        #expect(ignored.map { $0 & 0x7fff_ffff } == 0)
    }

    @Test func signalsReachTheChildFromAnAsyncContext() async throws {
        let child = try ChildProcess(["sleep", "30"], standardOutput: .discard)
        #expect(child.poll() == nil)
        try child.send(signal: SIGTERM)
        let status = await child.wait()
        #expect(status == .signaled(SIGTERM))
        #expect(status.shellStyleCode == 143)
        #expect(status.description == "signal: terminated")
        #expect(child.poll() == status)
        #expect(throws: ChildProcess.Failure.self) { try child.send(signal: SIGTERM) }
    }

    @Test func manyWaitersGetTheSameStatus() async throws {
        let child = try ChildProcess(["sh", "-c", "sleep 0.2; exit 7"])
        let statuses = await withTaskGroup(of: ChildProcess.ExitStatus.self) { group in
            for _ in 0..<5 { group.addTask { await child.wait() } }
            var all: [ChildProcess.ExitStatus] = []
            for await status in group { all.append(status) }
            return all
        }
        #expect(statuses == Array(repeating: .exited(7), count: 5))
        #expect(await child.wait() == .exited(7))
    }

    @Test func waitWithTimeoutAndTerminateEscalation() async throws {
        // The child ignores SIGTERM (an ignored disposition survives exec), so terminate() must
        // fall back to SIGKILL after the grace period.
        let child = try ChildProcess(["sh", "-c", "trap '' TERM; exec sleep 30"])
        #expect(await child.wait(timeout: .milliseconds(100)) == nil)
        let clock = ContinuousClock()
        let start = clock.now
        let status = await child.terminate(gracePeriod: .milliseconds(300))
        #expect(status == .signaled(SIGKILL))
        #expect(status.shellStyleCode == 137)
        #expect(clock.now - start < .seconds(10))
    }

    @Test func standardInputIsDevNull() throws {
        let result = try ChildProcess.run(["cat"], timeout: .seconds(10))
        #expect(result.status == .exited(0))
        #expect(result.standardOutput.isEmpty)
    }

    @Test func environmentCanBeExtendedOrReplaced() throws {
        let added = try ChildProcess.run(
            ["env"], environment: .inherit(["SWST_CHILD_TEST": "a b=c", "PATH": "/usr/bin:/bin", "HOME": nil]))
        let lines = added.standardOutput.split(separator: "\n").map(String.init)
        #expect(lines.contains("SWST_CHILD_TEST=a b=c"))
        #expect(lines.contains("PATH=/usr/bin:/bin"))
        #expect(!lines.contains { $0.hasPrefix("HOME=") })
        #expect(lines.filter { $0.hasPrefix("PATH=") }.count == 1)

        let exact = try ChildProcess.run(["/usr/bin/env"], environment: .exactly(["ONLY": "1"]))
        #expect(exact.standardOutput == "ONLY=1\n")
    }

    @Test func redirectsToFilesAndAppends() async throws {
        var template = Array("/tmp/swst-child-test-XXXXXX".utf8CString)
        let directory = try #require(template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) })
        let path = String(cString: directory) + "/out.txt"
        defer {
            unlink(path)
            rmdir(directory)
        }
        let first = try ChildProcess(["sh", "-c", "echo one"], standardOutput: .file(path))
        #expect(await first.wait() == .exited(0))
        let second = try ChildProcess(["sh", "-c", "echo two >&2"], standardError: .append(path))
        #expect(await second.wait() == .exited(0))
        #expect(String(decoding: try FileIO.readAll(path), as: UTF8.self) == "one\ntwo\n")
        let third = try ChildProcess(["sh", "-c", "echo three"], standardOutput: .file(path))
        #expect(await third.wait() == .exited(0))
        #expect(String(decoding: try FileIO.readAll(path), as: UTF8.self) == "three\n")
    }

    @Test func doesNotLeakDescriptors() throws {
        let fd = open("/dev/null", O_RDONLY)  // deliberately without O_CLOEXEC
        #expect(fd >= 0)
        let high = dup2(fd, 201)
        defer {
            close(fd)
            close(high)
        }
        let result = try ChildProcess.run(["ls", "/proc/self/fd"])
        let descriptors = Set(result.standardOutput.split(separator: "\n").map(String.init))
        #expect(!descriptors.contains("201"))
        #expect(!descriptors.contains(String(fd)) || fd <= 3)
        #expect(descriptors.isSuperset(of: ["0", "1", "2"]))
    }

    @Test func runKillsCommandsThatTimeOut() async throws {
        let clock = ContinuousClock()
        let start = clock.now
        await #expect(throws: ChildProcess.Failure.self) {
            _ = try await ChildProcess.run(["sleep", "20"], timeout: .milliseconds(200))
        }
        #expect(throws: ChildProcess.Failure.self) {
            _ = try ChildProcess.run(["sleep", "20"], timeout: .milliseconds(200))
        }
        #expect(clock.now - start < .seconds(10))
    }

    @Test func newProcessGroup() async throws {
        let child = try ChildProcess(["sleep", "5"], newProcessGroup: true)
        #expect(getpgid(child.pid) == child.pid)
        let sibling = try ChildProcess(["sleep", "5"])
        #expect(getpgid(sibling.pid) == getpgrp())
        #expect(await child.terminate(gracePeriod: .seconds(2)) == .signaled(SIGTERM))
        #expect(await sibling.terminate(gracePeriod: .seconds(2)) == .signaled(SIGTERM))
    }

    /// `kill(-pid)` for a group leader (its helpers are covered by ExecPID1Tests); a child in
    /// our own group is refused, so that our group is never signalled by mistake.
    @Test func signalsTheProcessGroupOnlyOfALeader() async throws {
        let leader = try ChildProcess(["sleep", "5"], newProcessGroup: true)
        #expect(leader.leadsProcessGroup)
        try leader.send(signal: SIGTERM, toProcessGroup: true)
        #expect(await leader.wait(timeout: .seconds(5)) == .signaled(SIGTERM))

        let member = try ChildProcess(["sleep", "5"])
        #expect(!member.leadsProcessGroup)
        #expect(throws: ChildProcess.Failure.self) { try member.send(signal: SIGTERM, toProcessGroup: true) }
        #expect(await member.terminate(gracePeriod: .seconds(2)) == .signaled(SIGTERM))
    }
}
