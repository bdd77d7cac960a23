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

/// A snapshot object as listed by a replica client.
public struct SnapshotInfo: Sendable, Hashable {
    public var generation: Generation
    public var index: Int
    /// Stored (compressed) size in bytes.
    public var size: Int64
    public var createdAt: Timestamp

    public init(generation: Generation, index: Int, size: Int64, createdAt: Timestamp) {
        self.generation = generation
        self.index = index
        self.size = size
        self.createdAt = createdAt
    }
}

/// A WAL segment object as listed by a replica client.
public struct WALSegmentInfo: Sendable, Hashable {
    public var generation: Generation
    public var index: Int
    public var offset: Int
    /// Stored (compressed) size in bytes.
    public var size: Int64
    public var createdAt: Timestamp

    public init(generation: Generation, index: Int, offset: Int, size: Int64, createdAt: Timestamp) {
        self.generation = generation
        self.index = index
        self.offset = offset
        self.size = size
        self.createdAt = createdAt
    }

    public var position: WALPosition { WALPosition(generation: generation, index: index, offset: offset) }
}

/// Lowercase, zero-padded hex as Litestream formats indices and offsets.
public enum Hex {
    /// `%08x`.
    public static func format8(_ value: Int) -> String {
        let s = String(value, radix: 16)
        return s.count >= 8 ? s : String(repeating: "0", count: 8 - s.count) + s
    }

    /// Parses exactly 8 lowercase hex digits.
    public static func parse8(_ s: Substring) -> Int? {
        guard s.utf8.count == 8, s.utf8.allSatisfy({ ($0 >= 48 && $0 <= 57) || ($0 >= 97 && $0 <= 102) }) else {
            return nil
        }
        return Int(s, radix: 16)
    }
}

/// Names of replica objects, relative to a replica root (replica-format.md §1).
public enum ReplicaPaths {
    public static let generationsDirectory = "generations"

    public static func generation(_ g: Generation) -> String { "generations/\(g.id)" }
    public static func snapshots(_ g: Generation) -> String { "generations/\(g.id)/snapshots" }
    public static func wal(_ g: Generation) -> String { "generations/\(g.id)/wal" }

    public static func snapshotName(index: Int) -> String { "\(Hex.format8(index)).snapshot.lz4" }
    public static func walSegmentName(index: Int, offset: Int) -> String {
        "\(Hex.format8(index))_\(Hex.format8(offset)).wal.lz4"
    }

    /// Parses `^([0-9a-f]{8})\.snapshot\.lz4$`.
    public static func parseSnapshotName(_ name: String) -> Int? {
        guard name.hasSuffix(".snapshot.lz4") else { return nil }
        return Hex.parse8(name.dropLast(13))
    }

    /// Parses `^([0-9a-f]{8})_([0-9a-f]{8})\.wal\.lz4$`.
    public static func parseWALSegmentName(_ name: String) -> (index: Int, offset: Int)? {
        guard name.hasSuffix(".wal.lz4") else { return nil }
        let stem = name.dropLast(8)
        let parts = stem.split(separator: "_", omittingEmptySubsequences: false)
        guard parts.count == 2, let index = Hex.parse8(parts[0]), let offset = Hex.parse8(parts[1]) else { return nil }
        return (index, offset)
    }
}
