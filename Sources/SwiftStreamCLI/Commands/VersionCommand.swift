import SwiftStream
import SwiftStreamHTTP

/// `version`: prints the build's version, then the versions of the C libraries it runs with
/// (cli-and-config.md §2.7). Positional arguments are ignored, as in Litestream (whose version
/// command still parses flags, so `-h` prints its usage).
struct VersionCommand: CLICommand {
    static let name = "version"
    static let summary = "prints the binary version"
    static let flags = FlagSet([])
    static let usageHead = """
        The version command prints the swiftstream version and the SQLite, libcurl and OpenSSL
        versions it runs with.

        Usage:

        \tswiftstream version

        """

    /// The swiftstream version string.
    static let version = "v0.1.0-dev"

    /// No flags; positional arguments are ignored.
    struct Options {}

    static func options(_ parsed: FlagSet.Parsed) -> Options { Options() }

    static func run(_ options: Options, context: CommandContext) async throws -> Int32 {
        context.standardOutput.write(lines.joined(separator: "\n") + "\n")
        return 0
    }

    /// `swiftstream v…`, `sqlite …`, `libcurl …`, `openssl …`. libcurl and libcrypto are loaded
    /// here (they are opened on first use); one that cannot be loaded reads `unavailable (<why>)`.
    static var lines: [String] {
        let curlVersion: String
        do {
            curlVersion = try RuntimeLibraries.curlVersion()
        } catch {
            curlVersion = "unavailable (\(error.message))"
        }
        // OpenSSL_version(OPENSSL_VERSION) reads "OpenSSL 3.0.22 1 Jul 2025"; keep the number.
        let opensslVersion: String
        do {
            let words = try RuntimeLibraries.opensslVersion().split(separator: " ")
            opensslVersion = words.count > 1 ? String(words[1]) : words.joined(separator: " ")
        } catch {
            opensslVersion = "unavailable (\(error.message))"
        }
        return [
            "swiftstream \(version)",
            "sqlite \(SQLiteConnection.libraryVersion)",
            "libcurl \(curlVersion)",
            "openssl \(opensslVersion)",
        ]
    }
}
