/// A position in a generation's WAL stream: (index, offset) within `generation`.
public struct WALPosition: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var generation: Generation
    public var index: Int
    public var offset: Int

    public init(generation: Generation, index: Int, offset: Int) {
        self.generation = generation
        self.index = index
        self.offset = offset
    }

    public static func < (a: WALPosition, b: WALPosition) -> Bool {
        (a.index, a.offset) < (b.index, b.offset)
    }

    /// Litestream's text form: `<generation>/<index %08x>:<offset>`.
    public var description: String { "\(generation.id)/\(Hex.format8(index)):\(offset)" }
}
