/// `$VAR` / `${VAR}` expansion of the config file text with Go's `os.ExpandEnv` semantics
/// (cli-and-config.md §3.2).
public enum EnvironmentExpansion {
    /// Expands `text` the way Go's `os.Expand` does, looking names up with `lookup`.
    ///
    /// `${NAME}` takes everything up to the next `}`; `$NAME` the longest run of `[A-Za-z0-9_]`;
    /// one of `*#$@!?-0123456789` after `$` is a one-character name. A `$` that cannot start a
    /// name (or ends the text) stays; `${}` is removed; an unclosed `${` loses the `${`.
    public static func expand(_ text: String, lookup: (String) -> String) -> String {
        let s = Array(text.utf8)
        var out: [UInt8] = []
        out.reserveCapacity(s.count)
        var i = 0
        var j = 0
        while j < s.count {
            if s[j] == UInt8(ascii: "$") && j + 1 < s.count {
                out.append(contentsOf: s[i..<j])
                let (name, width) = shellName(s[(j + 1)...])
                if name == nil && width > 0 {
                    // Invalid syntax: the characters are dropped.
                } else if let name {
                    out.append(contentsOf: lookup(String(decoding: name, as: UTF8.self)).utf8)
                } else {
                    out.append(s[j])
                }
                j += width
                i = j + 1
            }
            j += 1
        }
        if i == 0 && out.isEmpty { return text }
        out.append(contentsOf: s[min(i, s.count)...])
        return String(decoding: out, as: UTF8.self)
    }

    /// Expands with the variables of `environment` (unset names expand to "").
    public static func expand(_ text: String, environment: [String: String]) -> String {
        expand(text) { environment[$0] ?? "" }
    }

    /// Go's `getShellName`: the name after a `$` (nil when there is none) and how many bytes it
    /// takes.
    private static func shellName(_ s: ArraySlice<UInt8>) -> (name: ArraySlice<UInt8>?, width: Int) {
        let start = s.startIndex
        if s[start] == UInt8(ascii: "{") {
            if s.count > 2 && isSpecial(s[start + 1]) && s[start + 2] == UInt8(ascii: "}") {
                return (s[(start + 1)..<(start + 2)], 3)
            }
            var k = start + 1
            while k < s.endIndex {
                if s[k] == UInt8(ascii: "}") {
                    if k == start + 1 { return (nil, 2) }  // "${}" is eaten
                    return (s[(start + 1)..<k], k - start + 1)
                }
                k += 1
            }
            return (nil, 1)  // unclosed "${": eat the "${"
        }
        if isSpecial(s[start]) { return (s[start..<(start + 1)], 1) }
        var k = start
        while k < s.endIndex && isAlphanumeric(s[k]) { k += 1 }
        return k == start ? (nil, 0) : (s[start..<k], k - start)
    }

    private static func isSpecial(_ c: UInt8) -> Bool {
        switch c {
        case UInt8(ascii: "*"), UInt8(ascii: "#"), UInt8(ascii: "$"), UInt8(ascii: "@"), UInt8(ascii: "!"),
            UInt8(ascii: "?"), UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        default:
            return false
        }
    }

    private static func isAlphanumeric(_ c: UInt8) -> Bool {
        c == UInt8(ascii: "_") || (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122)
    }
}
