#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif
import SwiftStream
import SwiftStreamSystem

/// Finds, reads, expands and parses `litestream.yml` (cli-and-config.md §3).
public struct ConfigLoader: Sendable {
    /// The default config location when neither `-config` nor `LITESTREAM_CONFIG` is given.
    public static let defaultPath = "/etc/litestream.yml"

    /// Environment used for `LITESTREAM_CONFIG` and `$VAR` expansion.
    public var environment: [String: String]

    public init(environment: [String: String]) {
        self.environment = environment
    }

    /// The config path to use: `-config` if non-empty, else `$LITESTREAM_CONFIG` if non-empty,
    /// else `/etc/litestream.yml`, normalised (§3.4).
    public func configPath(flag: String?) -> String {
        if let flag, !flag.isEmpty { return Path.normalize(flag) }
        if let value = environment["LITESTREAM_CONFIG"], !value.isEmpty { return Path.normalize(value) }
        return Path.normalize(Self.defaultPath)
    }

    /// Reads the config file chosen by `configPath(flag:)`.
    ///
    /// Throws `config file not found: <abs path>` when it does not exist, and
    /// `cannot parse config <abs path>: line N: …` for YAML errors. Database paths come back
    /// normalised; the `logging` section is validated (an unknown `logging.type` is an error).
    public func load(flag: String?, expandEnvironment: Bool) throws(SwiftStreamError) -> Config {
        let path = configPath(flag: flag)
        let bytes: [UInt8]
        do {
            bytes = try FileIO.readAll(path)
        } catch let error as SystemError where error.isNotFound || error.errno == ENOTDIR {
            throw SwiftStreamError(.notFound, "config file not found: \(path)")
        } catch {
            throw SwiftStreamError(.io, "cannot read config: \(error)")
        }
        return try parse(String(decoding: bytes, as: UTF8.self), path: path, expandEnvironment: expandEnvironment)
    }

    /// Parses config text read from `path` (used in error messages).
    public func parse(_ text: String, path: String, expandEnvironment: Bool) throws(SwiftStreamError) -> Config {
        let expanded = expandEnvironment ? EnvironmentExpansion.expand(text, environment: environment) : text
        var config: Config
        do {
            config = try ConfigDecoder.decode(expanded)
        } catch {
            throw SwiftStreamError(.invalidConfiguration, "cannot parse config \(path): \(error)")
        }
        config.sourcePath = path
        for index in config.databases.indices {
            config.databases[index].path = Path.normalize(config.databases[index].path)
        }
        _ = try LogSettings(config.logging)
        return config
    }
}
