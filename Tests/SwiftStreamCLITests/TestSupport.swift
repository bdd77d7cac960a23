#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif
import SwiftStream
import SwiftStreamSystem
@testable import SwiftStreamCLI

/// A fresh directory under /tmp, removed by `remove()`.
struct TemporaryDirectory {
    let path: String

    init() throws {
        var template = Array("/tmp/swiftstream-cli-test-XXXXXX".utf8CString)
        guard let result = mkdtemp(&template) else { throw SystemError("mkdtemp", "/tmp", errno: errno) }
        path = String(cString: result)
    }

    func remove() { try? FileIO.removeTree(path) }

    /// Writes `text` to `name` (relative to the directory, parents created) and returns its path.
    @discardableResult
    func write(_ name: String, _ text: String) throws -> String {
        let full = path + "/" + name
        try FileIO.makeDirectories(Path.dirname(full))
        try FileIO.write(Array(text.utf8), to: full)
        return full
    }

    /// Writes `size` bytes to `name` and sets its modification time to `mtime`.
    @discardableResult
    func writeObject(_ name: String, size: Int, mtime: Timestamp) throws -> String {
        let full = try write(name, String(repeating: "x", count: size))
        let spec = timespec(tv_sec: Int(mtime.seconds), tv_nsec: Int(mtime.nanoseconds - mtime.seconds * 1_000_000_000))
        var times = [spec, spec]
        guard utimensat(AT_FDCWD, full, &times, 0) == 0 else { throw SystemError("utimensat", full, errno: errno) }
        return full
    }
}

/// A timestamp from RFC 3339 text (test inputs are always valid).
func ts(_ text: String) -> Timestamp {
    Timestamp.parseRFC3339(text) ?? Timestamp(nanoseconds: 0)
}

/// Parses config text with a fixed path and environment.
func parseConfig(_ text: String, environment: [String: String] = [:], expand: Bool = true) throws -> Config {
    try ConfigLoader(environment: environment).parse(text, path: "/etc/litestream.yml", expandEnvironment: expand)
}

/// The description of the error `body` throws, or nil when it does not throw.
func errorText(_ body: () throws -> Void) -> String? {
    do {
        try body()
        return nil
    } catch {
        return "\(error)"
    }
}
