import SwiftStream
import Testing
@testable import SwiftStreamCLI

/// go-shellwords v1.0.12 (default parser) behaviour, as Litestream v0.3.13 splits `-exec`.
/// The first group is go-shellwords' own test table; the rest come from replication.md §12.2.
@Suite struct ShellWordsTests {
    static let valid: [(String, [String])] = [
        // go-shellwords v1.0.12 shellwords_test.go
        ("\"\"", [""]),
        (#"''"#, [""]),
        (#"var --bar=baz"#, ["var", "--bar=baz"]),
        (#"var --bar="baz""#, ["var", "--bar=baz"]),
        (#"var "--bar=baz""#, ["var", "--bar=baz"]),
        (#"var "--bar='baz'""#, ["var", "--bar='baz'"]),
        ("var --bar=`baz`", ["var", "--bar=`baz`"]),
        (#"var "--bar=\"baz'""#, ["var", #"--bar="baz'"#]),
        (#"var "--bar=\'baz\'""#, ["var", "--bar='baz'"]),
        (#"var --bar='\'"#, ["var", #"--bar=\"#]),
        (#"var "--bar baz""#, ["var", "--bar baz"]),
        (#"var --"bar baz""#, ["var", "--bar baz"]),
        (#"var  --"bar baz""#, ["var", "--bar baz"]),
        (#"a "b""#, ["a", "b"]),
        (#"a " b ""#, ["a", " b "]),
        (#"a "   ""#, ["a", "   "]),
        (#"a 'b'"#, ["a", "b"]),
        (#"a ' b '"#, ["a", " b "]),
        (#"a '   '"#, ["a", "   "]),
        ("foo bar\\  ", ["foo", "bar "]),
        (#"foo "" bar ''"#, ["foo", "", "bar", ""]),
        (#"foo \\"#, ["foo", #"\"#]),
        (#"foo \& bar"#, ["foo", "&", "bar"]),
        // Separators and joining.
        ("node app.js --port 3000", ["node", "app.js", "--port", "3000"]),
        ("  a\tb\nc\r\nd  ", ["a", "b", "c", "d"]),
        (#"a"b c"d"#, ["ab cd"]),
        (#"'a'"b"c"#, ["abc"]),
        // Backslashes: dropped before any character outside single quotes, kept inside them.
        (#""a\nb""#, ["anb"]),
        (#"a\ b"#, ["a b"]),
        (#""a\"b""#, [#"a"b"#]),
        (#"'a\'"#, [#"a\"#]),
        (#"'a"b'"#, [#"a"b"#]),
        // No expansion of any kind.
        ("echo $HOME ${USER}", ["echo", "$HOME", "${USER}"]),
        ("echo `date +%s` x", ["echo", "`date +%s`", "x"]),
        ("echo $(date +%s) x", ["echo", "$(date +%s)", "x"]),
        ("$(a b)c d", ["$(a b)c", "d"]),
        ("*.txt ~/x", ["*.txt", "~/x"]),
        // Operators end the command silently.
        ("app && echo hi", ["app"]),
        ("app; rm -rf /", ["app"]),
        ("app|tee log", ["app"]),
        ("app < input", ["app"]),
        ("app >out", ["app"]),
        ("app x>out", ["app", "x"]),
        ("app 2>/dev/null", ["app"]),
        ("app 12abc>x", ["app"]),
        ("app a2>x", ["app", "a2"]),
        (#"app "a;b" 'c|d' e\&f"#, ["app", "a;b", "c|d", "e&f"]),
        ("app 'unterminated after operator' ; '", ["app", "unterminated after operator"]),
        // Non-ASCII.
        (#"échο "ü x""#, ["échο", "ü x"]),
    ]

    @Test("valid command lines split like go-shellwords", arguments: valid)
    func splits(line: String, expected: [String]) throws {
        #expect(try ShellWords.split(line) == expected)
    }

    static let invalid: [String] = [
        "foo '", #"foo ""#, "foo `", #"foo \"#, "foo (bar)", "(x)", "a)b", "$((1))", #""a" 'b"#, "x $(y",
    ]

    @Test("malformed command lines are rejected with Litestream's message", arguments: invalid)
    func rejects(line: String) {
        #expect(throws: SwiftStreamError(.invalidArgument, ShellWords.invalidMessage)) {
            try ShellWords.split(line)
        }
    }

    @Test(
        "command lines without words are an error, not a crash", arguments: ["", "   ", "\t\n", "; ls", "2>/dev/null"])
    func rejectsEmpty(line: String) {
        #expect(throws: SwiftStreamError(.invalidArgument, ShellWords.emptyMessage)) {
            try ShellWords.split(line)
        }
    }

    @Test func messagesMatchTheSpecification() {
        #expect(ShellWords.invalidMessage == "cannot parse exec command: invalid command line string")
        #expect(ShellWords.emptyMessage == "exec command is empty")
    }
}
