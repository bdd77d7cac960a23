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
