import SwiftStream

/// Decodes config YAML into `Config` with gopkg.in/yaml.v2's rules, as Litestream v0.3.13 does
/// (cli-and-config.md §3.3): unknown keys are ignored, booleans are YAML 1.1, a bare integer
/// duration is nanoseconds, a scalar given where a string is expected keeps its text, a key given
/// twice takes its last value, and only the first document of a stream is read.
///
/// Errors carry the 1-based line of the offending node.
enum ConfigDecoder {
    /// A YAML syntax or type error at `line`.
    struct DecodeError: Error, Sendable, Equatable, CustomStringConvertible {
        var line: Int?
        var message: String
        var description: String { line.map { "line \($0): \(message)" } ?? message }
    }

    /// Parses `text`; an empty document gives an empty config.
    static func decode(_ text: String) throws(DecodeError) -> Config {
        let root: YAMLNode?
        do {
            root = try YAMLComposer.compose(text)
        } catch {
            throw DecodeError(line: error.line, message: error.message)
        }
        var config = Config()
        guard let root, !isNull(root) else { return config }
        for (key, value) in try mapping(root, into: "config") {
            switch key {
            case "addr": config.addr = try string(value)
            case "exec": config.exec = try string(value)
            case "final-sync-timeout": config.finalSyncTimeout = try duration(value)
            case "access-key-id": config.accessKeyID = try string(value)
            case "secret-access-key": config.secretAccessKey = try string(value)
            case "logging": config.logging = try logging(value)
            case "dbs":
                config.databases = try sequence(value, into: "[]DBConfig").map { node throws(DecodeError) in
                    try database(node)
                }
            default: break
            }
        }
        return config
    }

    private static func logging(_ node: YAMLNode) throws(DecodeError) -> LoggingConfig {
        var result = LoggingConfig()
        for (key, value) in try mapping(node, into: "LoggingConfig") {
            switch key {
            case "level": result.level = try string(value)
            case "type": result.type = try string(value)
            case "stderr": result.stderr = try bool(value) ?? false
            default: break
            }
        }
        return result
    }

    private static func database(_ node: YAMLNode) throws(DecodeError) -> DatabaseConfig {
        var db = DatabaseConfig()
        for (key, value) in try mapping(node, into: "DBConfig") {
            switch key {
            case "path": db.path = try string(value)
            case "meta-path": db.metaPath = isNull(value) ? nil : try string(value)
            case "monitor-interval": db.monitorInterval = try duration(value)
            case "checkpoint-interval": db.checkpointInterval = try duration(value)
            case "min-checkpoint-page-count": db.minCheckpointPageCount = try int(value)
            case "max-checkpoint-page-count": db.maxCheckpointPageCount = try int(value)
            case "replicas":
                db.replicas = try sequence(value, into: "[]ReplicaConfig").map { node throws(DecodeError) in
                    try replica(node)
                }
            default: break
            }
        }
        return db
    }

    private static func replica(_ node: YAMLNode) throws(DecodeError) -> ReplicaConfig {
        var r = ReplicaConfig()
        for (key, value) in try mapping(node, into: "ReplicaConfig") {
            switch key {
            case "type": r.type = try string(value)
            case "name": r.name = try string(value)
            case "url": r.url = try string(value)
            case "path": r.path = try string(value)
            case "retention": r.retention = try duration(value)
            case "retention-check-interval": r.retentionCheckInterval = try duration(value)
            case "sync-interval": r.syncInterval = try duration(value)
            case "snapshot-interval": r.snapshotInterval = try duration(value)
            case "validation-interval": r.validationInterval = try duration(value)
            case "access-key-id": r.accessKeyID = try string(value)
            case "secret-access-key": r.secretAccessKey = try string(value)
            case "region": r.region = try string(value)
            case "bucket": r.bucket = try string(value)
            case "endpoint": r.endpoint = try string(value)
            case "force-path-style": r.forcePathStyle = try bool(value)
            case "skip-verify": r.skipVerify = try bool(value) ?? false
            case "account-name": r.accountName = try string(value)
            case "account-key": r.accountKey = try string(value)
            case "host": r.host = try string(value)
            case "user": r.user = try string(value)
            case "password": r.password = try string(value)
            case "key-path": r.keyPath = try string(value)
            case "age":
                for (ageKey, ageValue) in try mapping(value, into: "age settings") {
                    switch ageKey {
                    case "identities": r.ageIdentities = try stringList(ageValue)
                    case "recipients": r.ageRecipients = try stringList(ageValue)
                    default: break
                    }
                }
            default: break
            }
        }
        return r
    }

    // MARK: - Scalars and collections (yaml.v2 semantics)

    /// At most this many pairs come out of one mapping with its merges (yaml.v2 also stops
    /// aliasing that multiplies: a chain of anchors each merging the previous one twice).
    static let maxMergedPairs = 100_000

    /// The pairs of a mapping node in the order yaml.v2 applies them (the last of a repeated key
    /// wins); null → []. Like yaml.v2 v2.4.0, a `<<` merge is applied where it appears, so it
    /// overrides keys before it, and in a merged list the earlier mappings win (they come last).
    private static func mapping(_ node: YAMLNode, into type: String) throws(DecodeError) -> [(String, YAMLNode)] {
        // Merges are expanded depth first with a stack of our own, not by recursion: through a
        // chain of aliases they can nest far deeper than the document does.
        enum Step {
            case expand(YAMLNode)
            case emit(String, YAMLNode)
        }
        var result: [(String, YAMLNode)] = []
        var steps: [Step] = [.expand(node)]
        var count = 0
        while let step = steps.popLast() {
            switch step {
            case .emit(let name, let value):
                result.append((name, value))
            case .expand(let node):
                if isNull(node) { continue }
                guard case .mapping(let pairs) = node.content else { throw mismatch(node, type) }
                count += pairs.count
                guard count <= maxMergedPairs else {
                    throw DecodeError(line: node.line, message: "document contains excessive aliasing")
                }
                var ordered: [Step] = []
                for pair in pairs {
                    let name = pair.key.scalar ?? ""
                    if name == "<<", pair.key.isPlainScalar {
                        if case .sequence(let list) = pair.value.content {
                            ordered += list.reversed().map { .expand($0) }
                        } else {
                            ordered.append(.expand(pair.value))
                        }
                    } else {
                        ordered.append(.emit(name, pair.value))
                    }
                }
                steps += ordered.reversed()
            }
        }
        return result
    }

    private static func sequence(_ node: YAMLNode, into type: String) throws(DecodeError) -> [YAMLNode] {
        if isNull(node) { return [] }
        guard case .sequence(let list) = node.content else { throw mismatch(node, type) }
        return list
    }

    private static func string(_ node: YAMLNode) throws(DecodeError) -> String {
        guard let text = node.scalar else { throw mismatch(node, "string") }
        return isNull(node) ? "" : text
    }

    private static func stringList(_ node: YAMLNode) throws(DecodeError) -> [String] {
        try sequence(node, into: "[]string").map { item throws(DecodeError) in try string(item) }
    }

    /// A YAML 1.1 boolean (`true/false/yes/no/on/off/y/n` in their usual cases); null → nil.
    private static func bool(_ node: YAMLNode) throws(DecodeError) -> Bool? {
        if isNull(node) { return nil }
        guard case .scalar(let text, plain: true) = node.content, let value = yaml11Bool(text) else {
            throw mismatch(node, "bool")
        }
        return value
    }

    private static func int(_ node: YAMLNode) throws(DecodeError) -> Int? {
        if isNull(node) { return nil }
        guard case .scalar(let text, plain: true) = node.content else { throw mismatch(node, "int") }
        if let value = yamlInt(text), let int = Int(exactly: value) { return int }
        if let value = yamlFloat(text), value.rounded(.towardZero) == value, let int = Int(exactly: value) {
            return int
        }
        throw mismatch(node, "int")
    }

    /// A Go duration string, or a plain integer meaning nanoseconds; null → nil.
    private static func duration(_ node: YAMLNode) throws(DecodeError) -> Int64? {
        if isNull(node) { return nil }
        guard case .scalar(let text, let plain) = node.content else { throw mismatch(node, "time.Duration") }
        if plain {
            if let value = yamlInt(text) { return value }
            if let value = yamlFloat(text), let int = Int64(exactly: value.rounded(.towardZero)) {
                return int
            }
        }
        do {
            return try GoDuration.parse(text)
        } catch {
            throw DecodeError(
                line: node.line,
                message: "cannot unmarshal \(tagName(node)) `\(text)` into time.Duration (\(error))"
            )
        }
    }

    private static func isNull(_ node: YAMLNode) -> Bool {
        guard case .scalar(let text, plain: true) = node.content else { return false }
        return ["", "~", "null", "Null", "NULL"].contains(text)
    }

    private static func mismatch(_ node: YAMLNode, _ type: String) -> DecodeError {
        var text = "cannot unmarshal \(tagName(node))"
        if let scalar = node.scalar { text += " `\(scalar)`" }
        return DecodeError(line: node.line, message: text + " into " + type)
    }

    /// The YAML 1.1 tag yaml.v2 resolves for a node, for error messages.
    private static func tagName(_ node: YAMLNode) -> String {
        switch node.content {
        case .mapping: return "!!map"
        case .sequence: return "!!seq"
        case .scalar(let text, let plain):
            guard plain else { return "!!str" }
            if isNull(node) { return "!!null" }
            if yaml11Bool(text) != nil { return "!!bool" }
            if yamlInt(text) != nil { return "!!int" }
            if yamlFloat(text) != nil { return "!!float" }
            return "!!str"
        }
    }

    static func yaml11Bool(_ text: String) -> Bool? {
        switch text {
        case "y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON": return true
        case "n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF": return false
        default: return nil
        }
    }

    /// yaml.v2's integer resolution: Go `ParseInt(s, 0, 64)` after removing `_`
    /// (decimal, `0x`, `0o`, `0b`, leading-`0` octal, optional sign).
    static func yamlInt(_ text: String) -> Int64? {
        var s = Substring(text.filter { $0 != "_" })
        var negative = false
        if let c = s.first, c == "+" || c == "-" {
            negative = c == "-"
            s = s.dropFirst()
        }
        guard !s.isEmpty else { return nil }
        var radix = 10
        if s.hasPrefix("0x") || s.hasPrefix("0X") {
            radix = 16
            s = s.dropFirst(2)
        } else if s.hasPrefix("0o") || s.hasPrefix("0O") {
            radix = 8
            s = s.dropFirst(2)
        } else if s.hasPrefix("0b") || s.hasPrefix("0B") {
            radix = 2
            s = s.dropFirst(2)
        } else if s.count > 1 && s.hasPrefix("0") {
            radix = 8
            s = s.dropFirst()
        }
        guard !s.isEmpty, s.allSatisfy({ $0.isASCII && $0.isHexDigit }), let magnitude = UInt64(s, radix: radix)
        else { return nil }
        if negative { return magnitude <= UInt64(Int64.max) + 1 ? Int64(truncatingIfNeeded: 0 &- magnitude) : nil }
        return magnitude <= UInt64(Int64.max) ? Int64(magnitude) : nil
    }

    /// yaml.v2's float resolution: `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$` and `.inf`/`.nan`.
    static func yamlFloat(_ text: String) -> Double? {
        switch text {
        case ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF": return .infinity
        case "-.inf", "-.Inf", "-.INF": return -.infinity
        case ".nan", ".NaN", ".NAN": return .nan
        default: break
        }
        guard matchesYAMLFloat(Array(text.utf8)) else { return nil }
        return Double(text)
    }

    /// The pattern above, written out (no regex engine for one config load).
    private static func matchesYAMLFloat(_ s: [UInt8]) -> Bool {
        var i = 0
        func digits() -> Int {
            let start = i
            while i < s.count, s[i] >= UInt8(ascii: "0"), s[i] <= UInt8(ascii: "9") { i += 1 }
            return i - start
        }
        func accept(_ options: String) -> Bool {
            guard i < s.count, options.utf8.contains(s[i]) else { return false }
            i += 1
            return true
        }
        _ = accept("+-")
        if accept(".") {
            guard digits() > 0 else { return false }
        } else {
            guard digits() > 0 else { return false }
            if accept(".") { _ = digits() }
        }
        if accept("eE") {
            _ = accept("+-")
            guard digits() > 0 else { return false }
        }
        return i == s.count
    }
}
