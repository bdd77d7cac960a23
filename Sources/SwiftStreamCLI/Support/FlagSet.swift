/// Command-line flags parsed with the rules of Go's `flag` package, which Litestream uses
/// (cli-and-config.md §1.1):
///
/// * `-name value`, `--name value`, `-name=value` and `--name=value` are equivalent;
/// * a boolean flag takes no separate value: `-flag` or `-flag=true|false` (`-flag false` leaves
///   `false` as a positional argument);
/// * parsing stops at the first argument that is not a flag (`-` alone is one) or after `--`;
///   everything from there on is positional, flags included.
struct FlagSet: Sendable {
    /// The kinds of value a flag takes.
    enum Kind: Sendable {
        case string
        case bool
        /// Go `strconv.ParseInt(s, 0, 64)` syntax (`10`, `0x1f`, `0o17`, `017`, `0b11`, `1_000`).
        case int
        /// Hexadecimal without prefix, 32-bit signed range (restore `-index`).
        case hexIndex
    }

    /// One declared flag.
    struct Flag: Sendable {
        var name: String
        var kind: Kind
        /// Placeholder for the value in usage text (`PATH`); empty for booleans.
        var placeholder: String
        var help: String
    }

    /// A parsed flag value.
    enum Value: Sendable, Equatable {
        case string(String)
        case bool(Bool)
        case int(Int)
    }

    /// Why parsing stopped.
    enum Failure: Error, Sendable, Equatable {
        /// `-h`, `-help` or `--help` (not declared): print usage, exit 1.
        case help
        /// Go's error text, e.g. `flag provided but not defined: -x`.
        case invalid(String)
    }

    /// The result of `parse(_:)`.
    struct Parsed: Sendable {
        var values: [String: Value] = [:]
        var positionals: [String] = []

        func string(_ name: String) -> String? {
            if case .string(let s) = values[name] { return s }
            return nil
        }

        func bool(_ name: String) -> Bool {
            if case .bool(let b) = values[name] { return b }
            return false
        }

        func int(_ name: String) -> Int? {
            if case .int(let i) = values[name] { return i }
            return nil
        }
    }

    private(set) var flags: [Flag] = []

    init(_ flags: [Flag]) { self.flags = flags }

    func flag(named name: String) -> Flag? { flags.first { $0.name == name } }

    /// Parses `arguments` (without the command name).
    func parse(_ arguments: [String]) throws(Failure) -> Parsed {
        var parsed = Parsed()
        var rest = arguments[...]
        while let argument = rest.first {
            let bytes = Array(argument.utf8)
            guard bytes.count >= 2, bytes[0] == UInt8(ascii: "-") else { break }
            var minuses = 1
            if bytes[1] == UInt8(ascii: "-") {
                minuses = 2
                if bytes.count == 2 {  // "--" ends the flags
                    rest = rest.dropFirst()
                    break
                }
            }
            var name = String(argument.dropFirst(minuses))
            if name.isEmpty || name.hasPrefix("-") || name.hasPrefix("=") {
                throw .invalid("bad flag syntax: \(argument)")
            }
            rest = rest.dropFirst()
            var value: String?
            if let equals = name.dropFirst().firstIndex(of: "=") {
                value = String(name[name.index(after: equals)...])
                name = String(name[..<equals])
            }
            guard let flag = flag(named: name) else {
                if name == "help" || name == "h" { throw .help }
                throw .invalid("flag provided but not defined: -\(name)")
            }
            if case .bool = flag.kind {
                guard let result = Self.parseBool(value ?? "true") else {
                    throw .invalid("invalid boolean value \"\(value ?? "")\" for -\(name): parse error")
                }
                parsed.values[name] = .bool(result)
                continue
            }
            if value == nil, let next = rest.first {
                value = next
                rest = rest.dropFirst()
            }
            guard let value else { throw .invalid("flag needs an argument: -\(name)") }
            switch flag.kind {
            case .string:
                parsed.values[name] = .string(value)
            case .int:
                switch Self.parseGoInt(value) {
                case .success(let i): parsed.values[name] = .int(i)
                case .failure(let reason):
                    throw .invalid("invalid value \"\(value)\" for flag -\(name): \(reason.text)")
                }
            case .hexIndex:
                guard let i = Self.parseHexIndex(value) else {
                    throw .invalid("invalid value \"\(value)\" for flag -\(name): invalid hexadecimal format")
                }
                parsed.values[name] = .int(i)
            case .bool:
                break
            }
        }
        parsed.positionals = Array(rest)
        return parsed
    }

    /// Go's `strconv.ParseBool`.
    static func parseBool(_ text: String) -> Bool? {
        switch text {
        case "1", "t", "T", "TRUE", "true", "True": true
        case "0", "f", "F", "FALSE", "false", "False": false
        default: nil
        }
    }

    /// Why `parseGoInt` failed, with the `strconv` wording the flag package prints.
    enum IntFailure: Error, Equatable {
        case syntax
        case range
        var text: String { self == .syntax ? "parse error" : "value out of range" }
    }

    /// Go's `strconv.ParseInt(s, 0, 64)`.
    static func parseGoInt(_ text: String) -> Result<Int, IntFailure> {
        var s = Substring(text)
        var negative = false
        if let c = s.first, c == "+" || c == "-" {
            negative = c == "-"
            s = s.dropFirst()
        }
        var radix = 10
        var prefixed = false
        if s.count > 1 && s.hasPrefix("0") {
            prefixed = true
            switch s.dropFirst().first {
            case "x", "X": radix = 16; s = s.dropFirst(2)
            case "o", "O": radix = 8; s = s.dropFirst(2)
            case "b", "B": radix = 2; s = s.dropFirst(2)
            default: radix = 8; s = s.dropFirst()
            }
        }
        // Underscores are allowed only with a base prefix, between digits.
        if s.contains("_") {
            guard prefixed, !s.hasPrefix("_"), !s.hasSuffix("_"), !s.contains("__") else { return .failure(.syntax) }
            s = Substring(s.filter { $0 != "_" })
        }
        guard !s.isEmpty, s.allSatisfy({ $0.isASCII && $0.isHexDigit }) else { return .failure(.syntax) }
        guard let magnitude = UInt64(s, radix: radix) else {
            // Valid digits for the radix but too many of them.
            return s.allSatisfy({ $0.hexDigitValue.map { $0 < radix } ?? false }) ? .failure(.range) : .failure(.syntax)
        }
        if negative {
            guard magnitude <= UInt64(Int64.max) + 1 else { return .failure(.range) }
            return .success(Int(Int64(truncatingIfNeeded: 0 &- magnitude)))
        }
        guard magnitude <= UInt64(Int64.max) else { return .failure(.range) }
        return .success(Int(magnitude))
    }

    /// Litestream's `-index` parser: `strconv.ParseInt(s, 16, 32)`.
    static func parseHexIndex(_ text: String) -> Int? {
        var s = Substring(text)
        var negative = false
        if let c = s.first, c == "+" || c == "-" {
            negative = c == "-"
            s = s.dropFirst()
        }
        guard !s.isEmpty, s.allSatisfy({ $0.isASCII && $0.isHexDigit }), let magnitude = UInt64(s, radix: 16) else {
            return nil
        }
        let value = negative ? -Int64(clamping: magnitude) : Int64(clamping: magnitude)
        guard value >= Int64(Int32.min), value <= Int64(Int32.max) else { return nil }
        return Int(value)
    }

    /// Go-style usage lines for the flags: `  -name PLACEHOLDER` then the help, indented.
    var usage: String {
        var text = ""
        for flag in flags {
            text += "\t-\(flag.name)" + (flag.placeholder.isEmpty ? "" : " " + flag.placeholder) + "\n"
            for line in flag.help.split(separator: "\n", omittingEmptySubsequences: false) {
                text += "\t    \(line)\n"
            }
            text += "\n"
        }
        return text
    }
}
