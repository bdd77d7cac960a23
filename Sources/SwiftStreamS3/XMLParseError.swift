/// Malformed XML, with the byte offset where parsing stopped.
public struct XMLParseError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var offset: Int
    public var description: String { "malformed XML at byte \(offset): \(message)" }
}
