import Testing
@testable import SwiftStreamCLI

@Suite struct EnvironmentExpansionTests {
    static let environment = ["HOME": "/root", "A": "x", "A_B": "y", "$": "dollar", "1": "one", "EMPTY": ""]

    @Test(arguments: [
        ("plain text", "plain text"),
        ("$HOME/db", "/root/db"),
        ("${HOME}/db", "/root/db"),
        ("$A_B.c", "y.c"),
        ("${A}_B", "x_B"),
        ("$UNSET-x", "-x"),
        ("${A:-b}", ""),  // no default syntax: looks up "A:-b"
        ("$$", "dollar"),  // one-character special name
        ("$1x", "onex"),
        ("${1}", "one"),
        ("a $ b", "a $ b"),  // $ before a space stays
        ("cost: 5$", "cost: 5$"),  // trailing $ stays
        ("$/x", "$/x"),
        ("${}x", "x"),  // ${} is removed
        ("a${A", "aA"),  // an unclosed ${ loses the ${
        ("p@ss$word", "p@ss"),
        ("${EMPTY}|$EMPTY", "|"),
        ("é$A€", "éx€"),
    ])
    func expandsLikeGoExpandEnv(input: String, output: String) {
        #expect(EnvironmentExpansion.expand(input, environment: Self.environment) == output)
    }
}
