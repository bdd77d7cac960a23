import CYAML

/// A node of a composed YAML document; `line` is 1-based.
struct YAMLNode: Sendable, Equatable {
    enum Content: Sendable, Equatable {
        /// `plain`: written unquoted and not as a block scalar, and not tagged `!!str` or `!`, so it
        /// resolves by its text (null, bool, int, float or string); any other scalar is a string.
        /// (Other explicit tags such as `!!bool` do not change that, as with yaml.v2 for `!!bool yes`.)
        case scalar(String, plain: Bool)
        case mapping([Pair])
        case sequence([YAMLNode])
    }

    /// One key/value pair of a mapping, in document order (duplicates kept).
    struct Pair: Sendable, Equatable {
        var key: YAMLNode
        var value: YAMLNode
    }

    var content: Content
    var line: Int

    init(_ content: Content, line: Int) {
        self.content = content
        self.line = line
    }

    /// The text of a scalar node; nil for a mapping or a sequence.
    var scalar: String? {
        if case .scalar(let text, _) = content { return text }
        return nil
    }

    /// Whether this is a scalar that resolves by its text (see `Content.scalar`).
    var isPlainScalar: Bool {
        if case .scalar(_, plain: true) = content { return true }
        return false
    }
}

/// A YAML syntax error, or an alias to an unknown anchor, at a 1-based `line`.
struct YAMLSyntaxError: Error, Sendable, Equatable {
    var line: Int?
    var message: String
}

/// Composes the first document of a YAML stream into `YAMLNode`s with libyaml's event parser
/// (the C library gopkg.in/yaml.v2 is a port of). Aliases are replaced by the node their anchor
/// names; a stream with no document gives nil.
enum YAMLComposer {
    /// Deeper nesting is an error, so that code walking the tree (or releasing it) recursively
    /// cannot exhaust a thread's stack. yaml.v2 stops at 10000; a config needs fewer than 10.
    static let maxDepth = 1000

    static func compose(_ text: String) throws(YAMLSyntaxError) -> YAMLNode? {
        // libyaml keeps the input pointer for the whole parse, so the bytes are copied once
        // into memory that outlives it; the parser stores a pointer to itself, so it is on the heap too.
        let utf8 = Array(text.utf8)
        let input = UnsafeMutablePointer<UInt8>.allocate(capacity: max(utf8.count, 1))
        input.initialize(from: utf8, count: utf8.count)
        let parser = UnsafeMutablePointer<yaml_parser_t>.allocate(capacity: 1)
        defer {
            parser.deallocate()
            input.deallocate()
        }
        guard yaml_parser_initialize(parser) != 0 else {
            throw YAMLSyntaxError(line: nil, message: "cannot initialise the YAML parser")
        }
        defer { yaml_parser_delete(parser) }
        yaml_parser_set_input_string(parser, input, utf8.count)
        let events = EventReader(parser: parser, input: UnsafeBufferPointer(start: input, count: utf8.count))
        var composer = Composer()
        return try composer.document(events)
    }
}

/// What the composer needs of one libyaml event, copied out so the event can be freed at once.
private enum Event {
    case streamStart, streamEnd
    case documentStart, documentEnd
    case alias(anchor: String, line: Int)
    case scalar(anchor: String?, text: String, plain: Bool, line: Int)
    case sequenceStart(anchor: String?, line: Int)
    case sequenceEnd
    case mappingStart(anchor: String?, line: Int)
    case mappingEnd
}

private struct EventReader {
    let parser: UnsafeMutablePointer<yaml_parser_t>
    let input: UnsafeBufferPointer<UInt8>

    func next() throws(YAMLSyntaxError) -> Event {
        var event = yaml_event_t()
        guard yaml_parser_parse(parser, &event) != 0 else { throw error() }
        defer { yaml_event_delete(&event) }
        let line = Int(event.start_mark.line) + 1
        switch event.type {
        case YAML_STREAM_START_EVENT: return .streamStart
        case YAML_STREAM_END_EVENT: return .streamEnd
        case YAML_DOCUMENT_START_EVENT: return .documentStart
        case YAML_DOCUMENT_END_EVENT: return .documentEnd
        case YAML_ALIAS_EVENT: return .alias(anchor: string(event.data.alias.anchor) ?? "", line: line)
        case YAML_SCALAR_EVENT:
            let scalar = event.data.scalar
            let text = String(decoding: UnsafeBufferPointer(start: scalar.value, count: scalar.length), as: UTF8.self)
            let tag = string(scalar.tag)
            let plain = scalar.style == YAML_PLAIN_SCALAR_STYLE && tag != "!" && tag != "tag:yaml.org,2002:str"
            return .scalar(anchor: string(scalar.anchor), text: text, plain: plain, line: line)
        case YAML_SEQUENCE_START_EVENT:
            return .sequenceStart(anchor: string(event.data.sequence_start.anchor), line: line)
        case YAML_SEQUENCE_END_EVENT: return .sequenceEnd
        case YAML_MAPPING_START_EVENT:
            return .mappingStart(anchor: string(event.data.mapping_start.anchor), line: line)
        case YAML_MAPPING_END_EVENT: return .mappingEnd
        default:
            throw YAMLSyntaxError(line: line, message: "unexpected YAML event \(event.type.rawValue)")
        }
    }

    private func string(_ pointer: UnsafeMutablePointer<yaml_char_t>?) -> String? {
        pointer.map { String(cString: $0) }
    }

    /// libyaml's error as `<context>: <problem>` at the problem's line (the context's when the
    /// problem has no position; for an input error, the line of its byte offset).
    private func error() -> YAMLSyntaxError {
        let p = parser.pointee
        let problem = p.problem.map { String(cString: $0) } ?? "unknown problem parsing YAML content"
        let context = p.context.map { String(cString: $0) }
        let message = context.map { $0 + ": " + problem } ?? problem
        switch p.error {
        case YAML_READER_ERROR:
            let end = min(Int(p.problem_offset), input.count)
            return YAMLSyntaxError(line: 1 + input[..<end].count(where: { $0 == UInt8(ascii: "\n") }), message: message)
        case YAML_SCANNER_ERROR, YAML_PARSER_ERROR:
            let mark = isZero(p.problem_mark) && !isZero(p.context_mark) ? p.context_mark : p.problem_mark
            return YAMLSyntaxError(line: Int(mark.line) + 1, message: message)
        default:
            return YAMLSyntaxError(line: nil, message: message)
        }
    }

    private func isZero(_ mark: yaml_mark_t) -> Bool {
        mark.index == 0 && mark.line == 0 && mark.column == 0
    }
}

/// Builds the tree from events without recursion: depth is bounded by `maxDepth`, not by the stack.
private struct Composer {
    /// A collection being filled; a mapping's keys and values alternate in `items`.
    private struct Open {
        var isMapping: Bool
        var anchor: String?
        var line: Int
        var items: [YAMLNode] = []
    }

    private var anchors: [String: YAMLNode] = [:]
    /// Anchors of collections still open: an alias to one of them is a cycle.
    private var openAnchors: Set<String> = []
    private var stack: [Open] = []

    /// The first document's root, or nil for a stream with no document. Nothing after the
    /// first document's end is read.
    mutating func document(_ events: EventReader) throws(YAMLSyntaxError) -> YAMLNode? {
        guard case .streamStart = try events.next(), case .documentStart = try events.next() else { return nil }
        while true {
            let node: YAMLNode
            switch try events.next() {
            case .alias(let anchor, let line):
                if openAnchors.contains(anchor) {
                    throw YAMLSyntaxError(line: line, message: "anchor '\(anchor)' value contains itself")
                }
                guard let anchored = anchors[anchor] else {
                    throw YAMLSyntaxError(line: line, message: "unknown anchor '\(anchor)' referenced")
                }
                node = anchored
            case .scalar(let anchor, let text, let plain, let line):
                node = YAMLNode(.scalar(text, plain: plain), line: line)
                if let anchor {
                    anchors[anchor] = node
                    openAnchors.remove(anchor)  // redefined: no longer the open collection's
                }
            case .sequenceStart(let anchor, let line):
                try open(Open(isMapping: false, anchor: anchor, line: line))
                continue
            case .mappingStart(let anchor, let line):
                try open(Open(isMapping: true, anchor: anchor, line: line))
                continue
            case .sequenceEnd, .mappingEnd:
                node = close(stack.removeLast())
            case .streamStart, .streamEnd, .documentStart, .documentEnd:
                throw YAMLSyntaxError(line: nil, message: "unexpected YAML event")  // libyaml never does this
            }
            if stack.isEmpty {
                // As yaml.v2 does, the document must end properly (an error here is a syntax error).
                guard case .documentEnd = try events.next() else {
                    throw YAMLSyntaxError(line: nil, message: "unexpected YAML event")
                }
                return node
            }
            stack[stack.count - 1].items.append(node)
        }
    }

    private mutating func open(_ collection: Open) throws(YAMLSyntaxError) {
        guard stack.count < YAMLComposer.maxDepth else {
            throw YAMLSyntaxError(line: collection.line, message: "exceeded max depth of \(YAMLComposer.maxDepth)")
        }
        if let anchor = collection.anchor {
            openAnchors.insert(anchor)
            anchors[anchor] = nil
        }
        stack.append(collection)
    }

    private mutating func close(_ collection: Open) -> YAMLNode {
        let node: YAMLNode
        if collection.isMapping {
            let items = collection.items
            let pairs = stride(from: 0, to: items.count - 1, by: 2).map {
                YAMLNode.Pair(key: items[$0], value: items[$0 + 1])
            }
            node = YAMLNode(.mapping(pairs), line: collection.line)
        } else {
            node = YAMLNode(.sequence(collection.items), line: collection.line)
        }
        if let anchor = collection.anchor {
            openAnchors.remove(anchor)
            anchors[anchor] = node
        }
        return node
    }
}
