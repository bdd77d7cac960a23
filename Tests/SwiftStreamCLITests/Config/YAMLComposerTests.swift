import Testing
@testable import SwiftStreamCLI

@Suite struct YAMLComposerTests {
    private func plain(_ text: String, _ line: Int) -> YAMLNode { YAMLNode(.scalar(text, plain: true), line: line) }
    private func quoted(_ text: String, _ line: Int) -> YAMLNode { YAMLNode(.scalar(text, plain: false), line: line) }
    private func pair(_ key: YAMLNode, _ value: YAMLNode) -> YAMLNode.Pair { YAMLNode.Pair(key: key, value: value) }

    private func compose(_ text: String) throws -> YAMLNode {
        try #require(try YAMLComposer.compose(text))
    }

    private func syntaxError(_ text: String) -> YAMLSyntaxError? {
        do {
            _ = try YAMLComposer.compose(text)
            return nil
        } catch {
            return error
        }
    }

    @Test func composesNestedMappingsAndSequencesWithLines() throws {
        let root = try compose(
            """
            # comment
            dbs:
              - path: /data/app.db
                replicas:
                  - url: s3://bkt/db

                    retention: 24h
            logging:
              stderr: true
            """
        )
        let replica = YAMLNode(
            .mapping([pair(plain("url", 5), plain("s3://bkt/db", 5)), pair(plain("retention", 7), plain("24h", 7))]),
            line: 5)
        let db = YAMLNode(
            .mapping([
                pair(plain("path", 3), plain("/data/app.db", 3)),
                pair(plain("replicas", 4), YAMLNode(.sequence([replica]), line: 5)),
            ]),
            line: 3)
        let expected = YAMLNode(
            .mapping([
                pair(plain("dbs", 2), YAMLNode(.sequence([db]), line: 3)),
                pair(plain("logging", 8), YAMLNode(.mapping([pair(plain("stderr", 9), plain("true", 9))]), line: 9)),
            ]),
            line: 2)
        #expect(root == expected)
    }

    @Test func composesFlowStyle() throws {
        let root = try compose("a: {b: [1, 'two', {c: d}], e: []}\nf: {}\n")
        let inner = YAMLNode(
            .sequence([
                plain("1", 1), quoted("two", 1), YAMLNode(.mapping([pair(plain("c", 1), plain("d", 1))]), line: 1),
            ]),
            line: 1)
        let a = YAMLNode(
            .mapping([pair(plain("b", 1), inner), pair(plain("e", 1), YAMLNode(.sequence([]), line: 1))]), line: 1)
        let f = YAMLNode(.mapping([]), line: 2)
        #expect(root == YAMLNode(.mapping([pair(plain("a", 1), a), pair(plain("f", 2), f)]), line: 1))
    }

    @Test func onlyPlainUntaggedScalarsResolveByTheirText() throws {
        let root = try compose(
            """
            plain: true
            double: "true"
            single: 'true'
            literal: |
              true
            folded: >
              true
            str: !!str true
            nonspecific: ! true
            bool: !!bool yes
            empty:
            """
        )
        guard case .mapping(let pairs) = root.content else {
            Issue.record("expected a mapping")
            return
        }
        let values = pairs.map { ($0.key.scalar ?? "", $0.value.scalar ?? "", $0.value.isPlainScalar) }
        let expected: [(String, String, Bool)] = [
            ("plain", "true", true), ("double", "true", false), ("single", "true", false),
            ("literal", "true\n", false), ("folded", "true\n", false), ("str", "true", false),
            ("nonspecific", "true", false), ("bool", "yes", true), ("empty", "", true),
        ]
        #expect(values.elementsEqual(expected) { $0 == $1 })
    }

    @Test func keepsScalarBytesAndEscapes() throws {
        let root = try compose("a: \"x\\0y\\u00e9\"\nb: été ✓\n")
        guard case .mapping(let pairs) = root.content else {
            Issue.record("expected a mapping")
            return
        }
        #expect(pairs.map { $0.value.scalar } == ["x\u{0}yé", "été ✓"])
    }

    @Test func aliasesResolveToTheAnchoredNode() throws {
        let root = try compose(
            """
            base: &base
              type: file
              retention: 1h
            name: &n primary
            copy: *base
            merged:
              <<: *base
              name: *n
            """
        )
        guard case .mapping(let pairs) = root.content else {
            Issue.record("expected a mapping")
            return
        }
        #expect(pairs.map { $0.key.scalar } == ["base", "name", "copy", "merged"])
        #expect(pairs[2].value == pairs[0].value)  // the anchored node itself, with its line:
        #expect(pairs[2].value.line == 1)  // a collection starts at its anchor
        guard case .mapping(let merged) = pairs[3].value.content else {
            Issue.record("expected a mapping")
            return
        }
        #expect(merged[0].key == plain("<<", 7) && merged[0].value == pairs[0].value)
        #expect(merged[1].value == plain("primary", 4))
    }

    @Test func aRedefinedAnchorNamesItsLatestNode() throws {
        let root = try compose("- &a x\n- *a\n- &a y\n- *a\n- [*a]\n")
        #expect(
            root
                == YAMLNode(
                    .sequence([
                        plain("x", 1), plain("x", 1), plain("y", 3), plain("y", 3),
                        YAMLNode(.sequence([plain("y", 3)]), line: 5),
                    ]), line: 1))
    }

    @Test func emptyStreamsHaveNoDocument() throws {
        #expect(try YAMLComposer.compose("") == nil)
        #expect(try YAMLComposer.compose("# only a comment\n\n") == nil)
        let explicit = try compose("---\n")
        #expect(explicit.scalar == "" && explicit.isPlainScalar)
        #expect(try ConfigDecoder.decode("") == Config())
        #expect(try ConfigDecoder.decode("---\n...\n") == Config())
    }

    @Test func onlyTheFirstDocumentIsRead() throws {
        let root = try compose("---\na: 1\n---\na: 2\n")
        #expect(root == YAMLNode(.mapping([pair(plain("a", 2), plain("1", 2))]), line: 2))
        // Like yaml.v2's Unmarshal, nothing past the first document is parsed, errors included.
        #expect(try compose("a: 1\n---\nb: [\n").line == 1)
        let config = try ConfigDecoder.decode("dbs:\n  - path: /one\n---\ndbs:\n  - path: /two\n")
        #expect(config.databases.map(\.path) == ["/one"])
    }

    @Test(arguments: [
        ("dbs:\n\t- path: /db\n", 2, "while scanning for the next token: found character that cannot start any token"),
        ("a:\n  b: 1\n\tc: 2\n", 3, "while scanning a plain scalar: found a tab character that violates indentation"),
        ("a: [1, 2\n", 2, "while parsing a flow sequence: did not find expected ',' or ']'"),
        ("a: 'open\n", 2, "while scanning a quoted scalar: found unexpected end of stream"),
        ("a: b: c\n", 1, "mapping values are not allowed in this context"),
        ("- a\nb: c\n", 2, "while parsing a block collection: did not find expected '-' indicator"),
        ("%YAML 2.0\n---\na: 1\n", 1, "found incompatible YAML document"),
        ("a: 1\nb: \u{1}\n", 2, "control characters are not allowed"),
        ("a: 1\nb: *nope\n", 2, "unknown anchor 'nope' referenced"),
        ("a: &x\n  - *x\n", 2, "anchor 'x' value contains itself"),
    ])
    func reportsSyntaxErrorsWithTheirLine(text: String, line: Int, message: String) {
        #expect(syntaxError(text) == YAMLSyntaxError(line: line, message: message))
    }

    @Test func boundsTheNestingDepth() throws {
        let depth = YAMLComposer.maxDepth
        let deepest = String(repeating: "[", count: depth) + String(repeating: "]", count: depth)
        #expect(try YAMLComposer.compose(deepest) != nil)
        let deeper = "a:\n  " + String(repeating: "[", count: depth + 1) + String(repeating: "]", count: depth + 1)
        #expect(syntaxError(deeper) == YAMLSyntaxError(line: 2, message: "exceeded max depth of \(depth)"))
    }
}
