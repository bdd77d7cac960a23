#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif
import SwiftStream
import SwiftStreamSystem

/// Entry point of the `swiftstream` executable, and the way to run the CLI as a library.
public enum SwiftStreamMain {
    /// Runs the process's arguments and exits with the command's exit code.
    public static func run() async {
        // A peer that closes a socket or pipe at the wrong moment must cost one failed write
        // (EPIPE), not the process: libcurl's own guard is off (CURLOPT_NOSIGNAL, needed with
        // threads), and stdout may be a pipe whose reader is gone. Children get the default
        // disposition back (ChildProcess spawns with POSIX_SPAWN_SETSIGDEF).
        signal(SIGPIPE, SIG_IGN)
        copyLitestreamCredentials()
        let log = LogOutput(
            standardOutput: FileDescriptorSink.standardOutput, standardError: FileDescriptorSink.standardError)
        LoggingBootstrap.bootstrap(log)
        var context = CommandContext(environment: ProcessEnvironment.current, log: log)
        context.ownsProcess = true
        let code = await SwiftStreamCommand.run(Array(CommandLine.arguments.dropFirst()), context: context)
        exit(code)
    }

    /// What a library run of the CLI produced.
    public struct Result: Sendable, Equatable {
        public var exitCode: Int32
        public var standardOutput: String
        public var standardError: String
    }

    /// Runs the CLI on `arguments` (without the program name) with captured output; for tests.
    public static func run(
        _ arguments: [String], environment: [String: String] = [:], restoreEngine: RestoreEngine = .standard,
        now: @escaping @Sendable () -> Timestamp = { Timestamp.now() }, standardErrorIsTerminal: Bool = false
    ) async -> Result {
        let out = BufferSink()
        let err = BufferSink(isTerminal: standardErrorIsTerminal)
        let context = CommandContext(
            environment: withLitestreamCredentials(environment),
            log: LogOutput(standardOutput: out, standardError: err),
            restoreEngine: restoreEngine, now: now
        )
        let code = await SwiftStreamCommand.run(arguments, context: context)
        return Result(exitCode: code, standardOutput: out.text, standardError: err.text)
    }

    /// The variables Litestream copies when the AWS one is unset.
    static let credentialAliases = [
        ("LITESTREAM_ACCESS_KEY_ID", "AWS_ACCESS_KEY_ID"),
        ("LITESTREAM_SECRET_ACCESS_KEY", "AWS_SECRET_ACCESS_KEY"),
    ]

    /// Litestream copies `LITESTREAM_ACCESS_KEY_ID` / `LITESTREAM_SECRET_ACCESS_KEY` into the
    /// unset `AWS_*` variables before any command runs (visible to `-exec` children too).
    static func copyLitestreamCredentials() {
        for (from, to) in credentialAliases {
            if let value = getenv(from), getenv(to) == nil { setenv(to, value, 1) }
        }
    }

    /// `environment` with the same copying applied.
    static func withLitestreamCredentials(_ environment: [String: String]) -> [String: String] {
        var result = environment
        for (from, to) in credentialAliases {
            if let value = environment[from], environment[to] == nil { result[to] = value }
        }
        return result
    }
}
