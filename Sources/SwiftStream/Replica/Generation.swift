/// A generation id: exactly 16 lowercase hexadecimal characters (Litestream `IsGenerationName`).
public struct Generation: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let id: String

    /// Returns nil unless `id` is 16 lowercase hex characters.
    public init?(_ id: String) {
        guard id.utf8.count == 16, id.utf8.allSatisfy({ ($0 >= 48 && $0 <= 57) || ($0 >= 97 && $0 <= 102) }) else {
            return nil
        }
        self.id = id
    }

    /// A new random generation id.
    public static func random() -> Generation {
        var rng = SystemRandomNumberGenerator()
        let value = rng.next() as UInt64
        let hex = String(value, radix: 16)
        // swift-format-ignore: NeverForceUnwrap
        // 16 lowercase hex digits always form a valid id.
        return Generation(String(repeating: "0", count: 16 - hex.count) + hex)!
    }

    public var description: String { id }
    public static func < (a: Generation, b: Generation) -> Bool { a.id < b.id }
}
