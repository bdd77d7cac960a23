import SwiftStream

/// Splits a `-exec` command line into words exactly as Litestream v0.3.13 does with
/// mattn/go-shellwords v1.0.12's default parser (no environment expansion, no backticks), see
/// replication.md §12.2. No shell is involved.
///
/// - Words are separated by unquoted space, tab, CR and LF.
/// - `'…'` is literal (a backslash stays a backslash); in `"…"` and outside quotes a backslash
///   makes the next character literal and is dropped (`"a\nb"` → `anb`).
/// - Adjacent pieces join (`a"b c"d` → `ab cd`); `""` and `''` yield an empty word.
/// - `$VAR`, backticks and `$( … )` are kept literally; spaces inside backticks or `$( … )` do
///   not split.
/// - An unquoted `;`, `&`, `|`, `<` or `>` silently ends the command; before `>`, a pending word
///   starting with a digit (`2>/dev/null`) is dropped too.
/// - Unbalanced quotes or `(` / `)`, a trailing backslash, or a `(` not preceded by `$`, are
///   errors.
public enum ShellWords {
    /// The error for malformed input (Litestream's wording).
    public static let invalidMessage = "cannot parse exec command: invalid command line string"
    /// The error when no word remains (v0.3.13 panics here; we report it instead).
    public static let emptyMessage = "exec command is empty"

    /// Splits `line`; throws `SwiftStreamError` `.invalidArgument` with `invalidMessage` or
    /// `emptyMessage`.
    public static func split(_ line: String) throws -> [String] {
        guard let words = parse(line) else { throw SwiftStreamError(.invalidArgument, invalidMessage) }
        guard !words.isEmpty else { throw SwiftStreamError(.invalidArgument, emptyMessage) }
        return words
    }

    /// go-shellwords v1.0.12 `Parser.Parse` with `ParseEnv` and `ParseBacktick` off; nil on
    /// "invalid command line string". May return an empty array.
    static func parse(_ line: String) -> [String]? {
        enum Got { case none, single, quoted }
        var words: [String] = []
        var buffer = String.UnicodeScalarView()
        var escaped = false
        var doubleQuoted = false
        var singleQuoted = false
        var backQuote = false
        var dollarQuote = false
        var got = Got.none

        scan: for scalar in line.unicodeScalars {
            if escaped {
                buffer.append(scalar)
                escaped = false
                got = .single
                continue
            }
            if scalar == "\\" {
                if singleQuoted {
                    buffer.append(scalar)
                } else {
                    escaped = true
                }
                continue
            }
            if scalar == " " || scalar == "\t" || scalar == "\r" || scalar == "\n" {
                if singleQuoted || doubleQuoted || backQuote || dollarQuote {
                    buffer.append(scalar)
                } else if got != .none {
                    words.append(String(buffer))
                    buffer = String.UnicodeScalarView()
                    got = .none
                }
                continue
            }
            switch scalar {
            case "`":
                if !singleQuoted && !doubleQuoted && !dollarQuote { backQuote.toggle() }
            case ")":
                if !singleQuoted && !doubleQuoted && !backQuote { dollarQuote.toggle() }
            case "(":
                if !singleQuoted && !doubleQuoted && !backQuote {
                    guard !dollarQuote && buffer.last == "$" else { return nil }
                    dollarQuote = true
                    buffer.append(scalar)
                    continue
                }
            case "\"":
                if !singleQuoted && !dollarQuote {
                    if doubleQuoted { got = .quoted }
                    doubleQuoted.toggle()
                    continue
                }
            case "'":
                if !doubleQuoted && !dollarQuote {
                    if singleQuoted { got = .quoted }
                    singleQuoted.toggle()
                    continue
                }
            case ";", "&", "|", "<", ">":
                if !(singleQuoted || doubleQuoted || backQuote || dollarQuote) {
                    if scalar == ">", let first = buffer.first, ("0"..."9").contains(first) {
                        got = .none
                    }
                    break scan
                }
            default:
                break
            }
            got = .single
            buffer.append(scalar)
        }
        if got != .none { words.append(String(buffer)) }
        if escaped || singleQuoted || doubleQuoted || backQuote || dollarQuote { return nil }
        return words
    }
}
