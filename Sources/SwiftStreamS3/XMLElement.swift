/// A small, dependency-free XML reader for S3 and STS responses.
///
/// It builds an element tree (local names, namespace prefixes dropped; attributes ignored) and
/// decodes character references, the five predefined entities and CDATA. It rejects malformed
/// nesting. It is not a general XML processor: DTDs are skipped, not interpreted.
public struct XMLElement: Sendable, Equatable {
    public var name: String
    public var children: [XMLElement]
    /// Concatenated character data directly inside this element.
    public var text: String

    public init(name: String, children: [XMLElement] = [], text: String = "") {
        self.name = name
        self.children = children
        self.text = text
    }

    /// The first child named `name`.
    public func child(_ name: String) -> XMLElement? { children.first { $0.name == name } }
    /// Every child named `name`, in document order.
    public func children(_ name: String) -> [XMLElement] { children.filter { $0.name == name } }
    /// The text of the first child named `name`.
    public func value(_ name: String) -> String? { child(name)?.text }

    /// The first element named `name` in this subtree (depth first, self included).
    public func first(_ name: String) -> XMLElement? {
        if self.name == name { return self }
        for c in children { if let found = c.first(name) { return found } }
        return nil
    }

    /// Parses a document and returns its root element.
    public static func parse(_ bytes: [UInt8]) throws(XMLParseError) -> XMLElement {
        var parser = Parser(bytes: bytes)
        return try parser.document()
    }

    public static func parse(_ text: String) throws(XMLParseError) -> XMLElement { try parse(Array(text.utf8)) }
}

private struct Parser {
    /// S3, STS and IMDS documents nest a few levels; a hostile or broken body must not exhaust
    /// the thread's stack through `element()`'s recursion.
    static let maxDepth = 32

    let bytes: [UInt8]
    var i = 0
    var depth = 0

    init(bytes: [UInt8]) { self.bytes = bytes }

    func fail(_ message: String) -> XMLParseError { XMLParseError(message: message, offset: i) }

    func starts(_ s: String) -> Bool {
        let u = Array(s.utf8)
        return i + u.count <= bytes.count && Array(bytes[i..<(i + u.count)]) == u
    }

    mutating func skip(past terminator: String) throws(XMLParseError) {
        let t = Array(terminator.utf8)
        while i + t.count <= bytes.count {
            if bytes[i] == t[0] && Array(bytes[i..<(i + t.count)]) == t {
                i += t.count
                return
            }
            i += 1
        }
        throw fail("missing \(terminator)")
    }

    mutating func skipMisc() throws(XMLParseError) {
        while i < bytes.count {
            if isSpace(bytes[i]) {
                i += 1
            } else if starts("<?") {
                try skip(past: "?>")
            } else if starts("<!--") {
                try skip(past: "-->")
            } else if starts("<!DOCTYPE") {
                try skip(past: ">")
            } else {
                return
            }
        }
    }

    mutating func document() throws(XMLParseError) -> XMLElement {
        if starts("\u{FEFF}") { i += 3 }
        try skipMisc()
        guard i < bytes.count, bytes[i] == UInt8(ascii: "<") else { throw fail("no root element") }
        let root = try element()
        try skipMisc()
        guard i == bytes.count else { throw fail("content after the root element") }
        return root
    }

    mutating func name() throws(XMLParseError) -> String {
        let start = i
        while i < bytes.count, !isSpace(bytes[i]), bytes[i] != UInt8(ascii: ">"), bytes[i] != UInt8(ascii: "/"),
            bytes[i] != UInt8(ascii: "=")
        {
            i += 1
        }
        guard i > start else { throw fail("expected a name") }
        return String(decoding: bytes[start..<i], as: UTF8.self)
    }

    static func localName(_ qualified: String) -> String {
        guard let colon = qualified.lastIndex(of: ":") else { return qualified }
        return String(qualified[qualified.index(after: colon)...])
    }

    /// Parses `<name ...>content</name>` or `<name .../>` starting at `<`.
    mutating func element() throws(XMLParseError) -> XMLElement {
        depth += 1
        defer { depth -= 1 }
        guard depth <= Parser.maxDepth else { throw fail("elements nested deeper than \(Parser.maxDepth)") }
        i += 1  // <
        let qualified = try name()
        var node = XMLElement(name: Parser.localName(qualified))
        // Attributes are skipped; quoted values may contain '>' or '/'.
        while true {
            guard i < bytes.count else { throw fail("unterminated tag <\(qualified)") }
            let c = bytes[i]
            if c == UInt8(ascii: "/") {
                guard i + 1 < bytes.count, bytes[i + 1] == UInt8(ascii: ">") else { throw fail("bad empty tag") }
                i += 2
                return node
            }
            if c == UInt8(ascii: ">") {
                i += 1
                break
            }
            if c == UInt8(ascii: "\"") || c == UInt8(ascii: "'") {
                i += 1
                while i < bytes.count, bytes[i] != c { i += 1 }
                guard i < bytes.count else { throw fail("unterminated attribute value") }
            }
            i += 1
        }
        var text: [UInt8] = []
        while true {
            guard i < bytes.count else { throw fail("missing </\(qualified)>") }
            if bytes[i] != UInt8(ascii: "<") {
                if bytes[i] == UInt8(ascii: "&") {
                    try entity(into: &text)
                } else {
                    text.append(bytes[i])
                    i += 1
                }
                continue
            }
            if starts("</") {
                i += 2
                let closing = try name()
                while i < bytes.count, isSpace(bytes[i]) { i += 1 }
                guard closing == qualified, i < bytes.count, bytes[i] == UInt8(ascii: ">") else {
                    throw fail("expected </\(qualified)>")
                }
                i += 1
                node.text = String(decoding: text, as: UTF8.self)
                return node
            }
            if starts("<![CDATA[") {
                i += 9
                let start = i
                try skip(past: "]]>")
                text.append(contentsOf: bytes[start..<(i - 3)])
                continue
            }
            if starts("<!--") {
                try skip(past: "-->")
                continue
            }
            if starts("<?") {
                try skip(past: "?>")
                continue
            }
            node.children.append(try element())
        }
    }

    mutating func entity(into out: inout [UInt8]) throws(XMLParseError) {
        let start = i
        while i < bytes.count, bytes[i] != UInt8(ascii: ";"), i - start < 12 { i += 1 }
        guard i < bytes.count, bytes[i] == UInt8(ascii: ";") else { throw fail("bad entity") }
        let body = String(decoding: bytes[(start + 1)..<i], as: UTF8.self)
        i += 1
        switch body {
        case "amp": out.append(UInt8(ascii: "&"))
        case "lt": out.append(UInt8(ascii: "<"))
        case "gt": out.append(UInt8(ascii: ">"))
        case "quot": out.append(UInt8(ascii: "\""))
        case "apos": out.append(UInt8(ascii: "'"))
        default:
            var scalar: UInt32?
            if body.hasPrefix("#x") || body.hasPrefix("#X") {
                scalar = UInt32(body.dropFirst(2), radix: 16)
            } else if body.hasPrefix("#") {
                scalar = UInt32(body.dropFirst(1))
            }
            guard let value = scalar, let s = Unicode.Scalar(value) else { throw fail("unknown entity &\(body);") }
            out.append(contentsOf: Array(String(Character(s)).utf8))
        }
    }
}

private func isSpace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D }

/// Escapes text for XML element content.
func xmlEscape(_ text: String) -> String {
    var out = ""
    for ch in text {
        switch ch {
        case "&": out += "&amp;"
        case "<": out += "&lt;"
        case ">": out += "&gt;"
        case "\"": out += "&quot;"
        case "'": out += "&apos;"
        default: out.append(ch)
        }
    }
    return out
}
