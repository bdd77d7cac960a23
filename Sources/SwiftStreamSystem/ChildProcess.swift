#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif
import Synchronization

/// A child process started with `posix_spawnp`, for `replicate -exec` and for tests that drive
/// other programs (the reference Litestream binary, the `swiftstream` executable).
///
/// Why not `Foundation.Process`: a child inherits its parent thread's signal mask, and threads
/// of the Swift concurrency pool (and of Swift Testing) run with signals blocked. A child
/// started from such a thread would then ignore `SIGTERM`/`SIGINT` forever. `ChildProcess`
/// therefore always spawns with an **empty signal mask** and with the **default disposition**
/// for every catchable standard signal (`SIGINT`, `SIGTERM`, `SIGPIPE`, `SIGCHLD`, … so that
/// signals the parent ignores are not ignored by the child), whatever thread calls it.
///
/// Other properties of the child:
/// - `argv[0]` without a `/` is looked up in the parent's `PATH` (`posix_spawnp`); with a `/`
///   it is used as given.
/// - Standard input is `/dev/null`; standard output and error are inherited, discarded, or
///   written to files (see `Redirection`).
/// - Descriptors other than 0, 1 and 2 are closed in the child, so it never holds the parent's
///   database descriptors (POSIX locks) or pipes.
/// - The environment is the parent's (at spawn time) unless told otherwise (see `Environment`).
/// - It stays in the parent's process group unless `newProcessGroup` is set, so a terminal's
///   Ctrl-C reaches both, as with Litestream's `-exec`. With `newProcessGroup` it leads a group
///   of its own, which `send(signal:toProcessGroup:)` can signal as a whole.
///
/// Reaping: each child has a small dedicated thread blocked in `waitid(2)`, so `wait()` never
/// occupies a thread of the cooperative pool and many tasks can wait for the same child. The
/// thread waits with `WNOWAIT` and reaps under a lock that `send(signal:)` also takes, so a
/// signal is never sent to a recycled process id.
///
/// The process must not be reaped by anyone else (`waitpid(-1, …)` elsewhere, or `SIGCHLD` set
/// to `SIG_IGN`); if that happens the exit status is unknown and reported as `exited(255)`.
/// `OrphanReaper` is the exception that knows: it never reaps a `ChildProcess`'s child.
public final class ChildProcess: Sendable, CustomStringConvertible {
    /// Why a child could not be started, signalled or waited for; `description` is the one line to print.
    public struct Failure: Error, Sendable, CustomStringConvertible {
        public var description: String
        public init(_ description: String) { self.description = description }
    }

    /// How a child terminated.
    public enum ExitStatus: Sendable, Hashable, CustomStringConvertible {
        /// The child called `exit(code)` (0...255).
        case exited(Int32)
        /// The child was killed by signal `signal`.
        case signaled(Int32)

        /// The code a POSIX shell reports: the exit code, or 128 + the signal number.
        public var shellStyleCode: Int32 {
            switch self {
            case .exited(let code): code
            case .signaled(let signal): 128 + signal
            }
        }

        /// True for `exited(0)`.
        public var isSuccess: Bool { self == .exited(0) }

        /// Go's wording: `exit status 3`, `signal: killed`.
        public var description: String {
            switch self {
            case .exited(let code): return "exit status \(code)"
            case .signaled(let signal):
                guard let name = strsignal(signal) else { return "signal: \(signal)" }
                return "signal: \(String(cString: name).lowercased())"
            }
        }

        /// Decodes a `waitpid` status word (the `WIFEXITED`/`WTERMSIG` macros, which Swift cannot import).
        init(waitStatus status: Int32) {
            let low = status & 0x7f
            self = low == 0 ? .exited((status >> 8) & 0xff) : .signaled(low)
        }
    }

    /// Where the child's standard output or standard error goes.
    public enum Redirection: Sendable, Hashable {
        /// The parent's descriptor (the same terminal or file).
        case inherit
        /// `/dev/null`.
        case discard
        /// A file, created (mode 0644) or truncated.
        case file(String)
        /// A file, created (mode 0644) or appended to.
        case append(String)
    }

    /// The child's environment.
    public struct Environment: Sendable {
        fileprivate var inheritsParent: Bool
        fileprivate var overrides: [String: String?]

        /// The parent's environment at spawn time.
        public static let inherit = Environment(inheritsParent: true, overrides: [:])

        /// The parent's environment, with `overrides` applied: a value sets a variable, `nil`
        /// removes it.
        public static func inherit(_ overrides: [String: String?]) -> Environment {
            Environment(inheritsParent: true, overrides: overrides)
        }

        /// Exactly these variables.
        public static func exactly(_ variables: [String: String]) -> Environment {
            Environment(inheritsParent: false, overrides: variables.mapValues { Optional($0) })
        }

        /// The `NAME=value` strings to pass to `execve`.
        func entries() -> [String] {
            var result: [String] = []
            var seen = Set<String>()
            let start: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = inheritsParent ? environ : nil
            if var cursor = start {
                while let entry = cursor.pointee {
                    let text = String(cString: entry)
                    let name = String(text.prefix { $0 != "=" })
                    if !seen.contains(name) {
                        seen.insert(name)
                        if let override = overrides[name] {
                            if let value = override { result.append("\(name)=\(value)") }
                        } else {
                            result.append(text)
                        }
                    }
                    cursor += 1
                }
            }
            for (name, value) in overrides.sorted(by: { $0.key < $1.key }) where !seen.contains(name) {
                if let value { result.append("\(name)=\(value)") }
            }
            return result
        }
    }

    /// The output of `run`.
    public struct RunResult: Sendable {
        public var status: ExitStatus
        public var standardOutput: String
        public var standardError: String
    }

    private struct State {
        var status: ExitStatus?
        var waiters: [CheckedContinuation<ExitStatus, Never>] = []
    }

    /// The child's process id.
    public let pid: pid_t
    /// The argument vector it was started with.
    public let arguments: [String]
    /// True when it was started with `newProcessGroup`: its process id is its group's id.
    public let leadsProcessGroup: Bool
    private let state = Mutex(State())

    public var description: String { "process \(pid) (\(arguments.first ?? ""))" }

    /// Starts `arguments[0]` with `arguments` as its argument vector.
    ///
    /// Throws `SystemError` (`spawn <argv0>: no such file or directory`, …) when the program
    /// cannot be started, and `ChildProcess.Failure` for an empty argument vector.
    public init(
        _ arguments: [String], environment: Environment = .inherit, standardOutput: Redirection = .inherit,
        standardError: Redirection = .inherit, newProcessGroup: Bool = false
    ) throws {
        guard let program = arguments.first, !program.isEmpty else {
            throw Failure("cannot start a process: empty command")
        }
        self.arguments = arguments
        leadsProcessGroup = newProcessGroup
        let entries = environment.entries()
        pid = try OrphanReaper.spawnOwned {
            try Self.spawn(
                program: program, arguments: arguments, environment: entries,
                standardOutput: standardOutput, standardError: standardError, newProcessGroup: newProcessGroup)
        }
        startReaper()
    }

    // MARK: Spawning

    private static func spawn(
        program: String, arguments: [String], environment: [String], standardOutput: Redirection,
        standardError: Redirection, newProcessGroup: Bool
    ) throws -> pid_t {
        var attributes = posix_spawnattr_t()
        try check(posix_spawnattr_init(&attributes), program)
        defer { posix_spawnattr_destroy(&attributes) }
        var emptyMask = sigset_t()
        sigemptyset(&emptyMask)
        try check(posix_spawnattr_setsigmask(&attributes, &emptyMask), program)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in Int32(1)..<32 where signal != SIGKILL && signal != SIGSTOP {
            sigaddset(&defaults, signal)
        }
        try check(posix_spawnattr_setsigdefault(&attributes, &defaults), program)
        var flags = Int32(POSIX_SPAWN_SETSIGMASK) | Int32(POSIX_SPAWN_SETSIGDEF)
        if newProcessGroup {
            flags |= Int32(POSIX_SPAWN_SETPGROUP)
            try check(posix_spawnattr_setpgroup(&attributes, 0), program)
        }
        try check(posix_spawnattr_setflags(&attributes, Int16(flags)), program)

        var actions = posix_spawn_file_actions_t()
        try check(posix_spawn_file_actions_init(&actions), program)
        defer { posix_spawn_file_actions_destroy(&actions) }
        // glibc copies the path strings, so the temporary C strings may die after each call.
        try check(posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0), program)
        for (descriptor, redirection) in [(Int32(1), standardOutput), (Int32(2), standardError)] {
            switch redirection {
            case .inherit:
                break
            case .discard:
                try check(posix_spawn_file_actions_addopen(&actions, descriptor, "/dev/null", O_WRONLY, 0), program)
            case .file(let path):
                try check(
                    posix_spawn_file_actions_addopen(&actions, descriptor, path, O_WRONLY | O_CREAT | O_TRUNC, 0o644),
                    program)
            case .append(let path):
                try check(
                    posix_spawn_file_actions_addopen(&actions, descriptor, path, O_WRONLY | O_CREAT | O_APPEND, 0o644),
                    program)
            }
        }
        // Close every other descriptor in the child. glibc >= 2.34 has an action for that, but
        // declares it only for _GNU_SOURCE, which Swift's Glibc module does not define: look it
        // up at run time and call it through a C function pointer. Without it (older glibc,
        // musl) we rely on every descriptor of this process being opened with O_CLOEXEC.
        typealias AddCloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>?, Int32) -> Int32
        if let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addclosefrom_np") {
            try check(unsafeBitCast(symbol, to: AddCloseFrom.self)(&actions, 3), program)
        }

        let argv = arguments.map { strdup($0) }
        let envp = environment.map { strdup($0) }
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var pid: pid_t = 0
        let rc = (argv + [nil]).withUnsafeBufferPointer { argvBuffer in
            (envp + [nil]).withUnsafeBufferPointer { envpBuffer in
                // swift-format-ignore: NeverForceUnwrap
                // Buffers of non-empty arrays always have a base address.
                posix_spawnp(&pid, program, &actions, &attributes, argvBuffer.baseAddress!, envpBuffer.baseAddress!)
            }
        }
        try check(rc, program)
        return pid
    }

    private static func check(_ rc: Int32, _ program: String) throws {
        if rc != 0 { throw SystemError("spawn", program, errno: rc) }
    }

    // MARK: Reaping

    private func startReaper() {
        if !DetachedThread.start(stackSize: 256 << 10, { [self] in reapBlocking() }) {
            // No thread available: reap on this thread. Only possible under extreme resource
            // exhaustion; the caller then simply waits here until the child exits.
            reapBlocking()
        }
    }

    /// Blocks until the child exited, then reaps it and wakes every waiter.
    private func reapBlocking() {
        var info = siginfo_t()
        // ECHILD: someone else reaped it, and the exit status is unknown.
        let known =
            (try? retryingInterrupts("waitid", "") { waitid(P_PID, id_t(pid), &info, WEXITED | WNOWAIT) }) != nil
        let (status, waiters) = state.withLock { state -> (ExitStatus, [CheckedContinuation<ExitStatus, Never>]) in
            var word: Int32 = 0
            let result = OrphanReaper.reapOwned(pid) {
                try? retryingInterrupts("waitpid", "") { waitpid(pid, &word, 0) }
            }
            let status = known && result == pid ? ExitStatus(waitStatus: word) : .exited(255)
            state.status = status
            let waiters = state.waiters
            state.waiters = []
            return (status, waiters)
        }
        for waiter in waiters { waiter.resume(returning: status) }
    }

    // MARK: Public operations

    /// The exit status if the child has terminated, else nil. Never blocks.
    public func poll() -> ExitStatus? {
        state.withLock { $0.status }
    }

    /// Waits until the child terminates. Suspends without occupying a thread; not cancellable
    /// (send a signal to make the child exit, or use `wait(timeout:)`).
    public func wait() async -> ExitStatus {
        await withCheckedContinuation { (continuation: CheckedContinuation<ExitStatus, Never>) in
            let status = state.withLock { state -> ExitStatus? in
                if let status = state.status { return status }
                state.waiters.append(continuation)
                return nil
            }
            if let status { continuation.resume(returning: status) }
        }
    }

    /// Waits at most `timeout` (or until the task is cancelled); nil if the child still runs.
    public func wait(timeout: Duration) async -> ExitStatus? {
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        var step = Duration.milliseconds(1)
        while true {
            if let status = poll() { return status }
            if clock.now >= deadline || Task.isCancelled { return nil }
            try? await Task.sleep(for: min(step, deadline - clock.now))
            step = min(step * 2, .milliseconds(20))
        }
    }

    /// Blocks the calling thread for at most `timeout` (forever if nil); nil if the child still
    /// runs. For synchronous code only; async code uses `wait()`.
    public func waitBlocking(timeout: Duration? = nil) -> ExitStatus? {
        let clock = ContinuousClock()
        let deadline = timeout.map { clock.now + $0 }
        var micros: UInt32 = 200
        while true {
            if let status = poll() { return status }
            if let deadline, clock.now >= deadline { return nil }
            usleep(micros)
            micros = min(micros * 2, 10_000)
        }
    }

    /// Sends `signal` (e.g. `SIGTERM`) to the child or, with `toProcessGroup`, to every process
    /// of the group it leads (`kill(-pid)`: its descendants that did not leave the group too).
    ///
    /// Throws `ChildProcess.Failure` if the child has already terminated (it is then never
    /// signalled, even if its process id was reused) or, with `toProcessGroup`, was not started
    /// with `newProcessGroup`; `SystemError` from `kill(2)`.
    public func send(signal: Int32, toProcessGroup: Bool = false) throws {
        if toProcessGroup, !leadsProcessGroup {
            throw Failure("cannot signal the process group of \(description): it was started in ours")
        }
        try state.withLock { state in
            guard state.status == nil else {
                throw Failure("cannot signal \(description): it already exited")
            }
            let target = toProcessGroup ? -pid : pid
            if kill(target, signal) != 0 { throw SystemError("kill", String(target), errno: errno) }
        }
    }

    /// Sends `SIGTERM`, waits up to `gracePeriod`, then sends `SIGKILL` and waits for the end.
    @discardableResult
    public func terminate(gracePeriod: Duration = .seconds(10)) async -> ExitStatus {
        try? send(signal: SIGTERM)
        if let status = await wait(timeout: gracePeriod) { return status }
        try? send(signal: SIGKILL)
        return await wait()
    }

    // MARK: Run to completion

    /// Runs a command to completion with stdout and stderr captured (through temporary files, so
    /// no pipe can fill up), blocking the calling thread. Meant for tests and tools.
    ///
    /// If the command runs longer than `timeout` it is killed (`SIGKILL`) and a
    /// `ChildProcess.Failure` describing the command and its output so far is thrown.
    public static func run(
        _ arguments: [String], environment: Environment = .inherit, timeout: Duration = .seconds(60)
    ) throws -> RunResult {
        try withCapture(arguments) { stdout, stderr in
            let child = try ChildProcess(
                arguments, environment: environment, standardOutput: .file(stdout), standardError: .file(stderr))
            if let status = child.waitBlocking(timeout: timeout) { return status }
            try? child.send(signal: SIGKILL)
            _ = child.waitBlocking()
            return nil
        } timedOut: {
            timeoutError(arguments, timeout, $0)
        }
    }

    /// Like the synchronous `run`, but suspends instead of blocking while the command runs.
    public static func run(
        _ arguments: [String], environment: Environment = .inherit, timeout: Duration = .seconds(60)
    ) async throws -> RunResult {
        let (stdout, stderr) = try makeCaptureFiles()
        defer {
            unlink(stdout)
            unlink(stderr)
        }
        let child = try ChildProcess(
            arguments, environment: environment, standardOutput: .file(stdout), standardError: .file(stderr))
        let status = await child.wait(timeout: timeout)
        if status == nil {
            try? child.send(signal: SIGKILL)
            _ = await child.wait()
        }
        let result = RunResult(
            status: status ?? .signaled(SIGKILL), standardOutput: readText(stdout), standardError: readText(stderr))
        if status == nil { throw timeoutError(arguments, timeout, result) }
        return result
    }

    private static func withCapture(
        _ arguments: [String], _ body: (String, String) throws -> ExitStatus?,
        timedOut: (RunResult) -> Failure
    ) throws -> RunResult {
        let (stdout, stderr) = try makeCaptureFiles()
        defer {
            unlink(stdout)
            unlink(stderr)
        }
        let status = try body(stdout, stderr)
        let result = RunResult(
            status: status ?? .signaled(SIGKILL), standardOutput: readText(stdout), standardError: readText(stderr))
        if status == nil { throw timedOut(result) }
        return result
    }

    private static func timeoutError(_ arguments: [String], _ timeout: Duration, _ result: RunResult)
        -> Failure
    {
        Failure(
            "\(arguments.joined(separator: " ")) did not exit within \(timeout) and was killed; "
                + "stdout: \(result.standardOutput.suffix(2000)) stderr: \(result.standardError.suffix(2000))")
    }

    private static func makeCaptureFiles() throws -> (String, String) {
        let directory = getenv("TMPDIR").map { String(cString: $0) }.flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp"
        func make() throws -> String {
            var template = Array("\(directory)/swiftstream-child-XXXXXX".utf8CString)
            let descriptor = template.withUnsafeMutableBufferPointer { buffer in
                buffer.baseAddress.map { mkstemp($0) } ?? -1
            }
            guard descriptor >= 0 else { throw SystemError("mkstemp", directory, errno: errno) }
            close(descriptor)
            template.removeLast()  // the NUL terminator
            return String(decoding: template.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }
        let stdout = try make()
        do {
            return (stdout, try make())
        } catch {
            unlink(stdout)
            throw error
        }
    }

    private static func readText(_ path: String) -> String {
        (try? FileIO.readAll(path)).map { String(decoding: $0, as: UTF8.self) } ?? ""
    }
}
