import SwiftStream
import SwiftStreamSystem

/// Object keys of a replica in a bucket, built like Litestream's `path.Join(path, "generations", …)`.
///
/// Go's `path.Join` drops empty elements, joins with `/` and cleans the result (`//`, `./`,
/// trailing `/`), so an empty root gives `generations/…`. The root is used verbatim otherwise:
/// a `path:` config value of `/db` keeps its leading slash (keys `/db/generations/…`), a quirk
/// of v0.3.13 we keep (replica-format.md §1.2). URL paths lose their leading `/` in the config
/// layer, before they get here.
public struct S3Keys: Sendable, Equatable {
    public var root: String

    public init(root: String) { self.root = root }

    /// Go's `path.Join`: empty when every element is empty.
    public static func join(_ elements: String...) -> String {
        let parts = elements.filter { !$0.isEmpty }
        guard !parts.isEmpty else { return "" }
        return Path.clean(parts.joined(separator: "/"))
    }

    /// `<root>/generations/` (delimiter listing of generation ids).
    public var generationsPrefix: String { S3Keys.join(root, ReplicaPaths.generationsDirectory) + "/" }
    /// `<root>/generations/<id>`, no trailing slash, as v0.3.13 lists it before deleting a generation.
    public func generationPrefix(_ g: Generation) -> String { S3Keys.join(root, ReplicaPaths.generation(g)) }
    public func snapshotsPrefix(_ g: Generation) -> String { S3Keys.join(root, ReplicaPaths.snapshots(g)) + "/" }
    public func walPrefix(_ g: Generation) -> String { S3Keys.join(root, ReplicaPaths.wal(g)) + "/" }

    public func snapshot(_ g: Generation, index: Int) -> String {
        S3Keys.join(root, ReplicaPaths.snapshots(g), ReplicaPaths.snapshotName(index: index))
    }

    public func walSegment(_ p: WALPosition) -> String {
        S3Keys.join(root, ReplicaPaths.wal(p.generation), ReplicaPaths.walSegmentName(index: p.index, offset: p.offset))
    }

    /// Go's `path.Base` of a key or common prefix (trailing slashes dropped).
    public static func base(_ key: String) -> String {
        var k = Substring(key)
        while k.count > 1, k.hasSuffix("/") { k = k.dropLast() }
        guard let slash = k.lastIndex(of: "/") else { return String(k) }
        return String(k[k.index(after: slash)...])
    }
}
