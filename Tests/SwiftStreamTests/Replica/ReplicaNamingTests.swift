import SwiftStream
import Testing

/// Object names (replica-format.md §1.1) and generation ids (§3).
@Suite struct ReplicaNamingTests {
    @Test func formatsNamesWithEightLowercaseHexDigits() {
        #expect(ReplicaPaths.snapshotName(index: 0) == "00000000.snapshot.lz4")
        #expect(ReplicaPaths.snapshotName(index: 255) == "000000ff.snapshot.lz4")
        #expect(ReplicaPaths.walSegmentName(index: 1, offset: 4152) == "00000001_00001038.wal.lz4")
        #expect(ReplicaPaths.walSegmentName(index: 0x7fff_ffff, offset: 0) == "7fffffff_00000000.wal.lz4")
        // Offsets of 4 GiB and more get more digits (quirk: v0.3.13 cannot list them).
        #expect(ReplicaPaths.walSegmentName(index: 2, offset: 0x1_0000_0020) == "00000002_100000020.wal.lz4")
        let generation = Generation("5efbd8d042012dca")
        #expect(generation.map(ReplicaPaths.snapshots) == "generations/5efbd8d042012dca/snapshots")
        #expect(generation.map(ReplicaPaths.wal) == "generations/5efbd8d042012dca/wal")
    }

    static let snapshotNames: [(String, Int?)] = [
        ("00000000.snapshot.lz4", 0),
        ("0000000a.snapshot.lz4", 10),
        ("7fffffff.snapshot.lz4", 0x7fff_ffff),
        ("0000000A.snapshot.lz4", nil),
        ("00000000.snapshot.lz4.tmp", nil),
        ("0000000.snapshot.lz4", nil),
        ("000000000.snapshot.lz4", nil),
        ("0000000g.snapshot.lz4", nil),
        ("00000000.snapshot", nil),
        ("00000000.snapshot.LZ4", nil),
        ("x00000000.snapshot.lz4", nil),
        (".snapshot.lz4", nil),
    ]

    @Test("snapshot names", arguments: snapshotNames)
    func parsesSnapshotNames(name: String, expected: Int?) {
        #expect(ReplicaPaths.parseSnapshotName(name) == expected)
    }

    static let segmentNames: [(String, [Int]?)] = [
        ("00000000_00000000.wal.lz4", [0, 0]),
        ("00000001_00001038.wal.lz4", [1, 4152]),
        ("000000ff_7fffffff.wal.lz4", [255, 0x7fff_ffff]),
        ("00000001_00001038.wal.lz4.tmp", nil),
        ("00000001-00001038.wal.lz4", nil),
        ("00000001_0000103.wal.lz4", nil),
        ("00000001_000010380.wal.lz4", nil),
        ("0000001_00001038.wal.lz4", nil),
        ("0000000A_00001038.wal.lz4", nil),
        ("00000001_0000103B.wal.lz4", nil),
        ("00000001_00001038_00000000.wal.lz4", nil),
        ("00000001_00001038.wal", nil),
        ("00000001.wal", nil),
    ]

    @Test("WAL segment names", arguments: segmentNames)
    func parsesSegmentNames(name: String, expected: [Int]?) {
        let parsed = ReplicaPaths.parseWALSegmentName(name)
        #expect(parsed.map { [$0.index, $0.offset] } == expected)
    }

    static let generationIDs: [(String, Bool)] = [
        ("5efbd8d042012dca", true),
        ("0000000000000000", true),
        ("ffffffffffffffff", true),
        ("5efbd8d042012dc", false),
        ("5efbd8d042012dcaa", false),
        ("5EFBD8D042012DCA", false),
        ("5efbd8d042012dcg", false),
        ("5efbd8d0 42012dc", false),
        ("", false),
        ("5efbd8d042012dc\u{e9}", false),
    ]

    @Test("generation ids", arguments: generationIDs)
    func validatesGenerations(id: String, valid: Bool) {
        #expect((Generation(id) != nil) == valid)
        #expect(Generation(id)?.id == (valid ? id : nil))
    }

    @Test func randomGenerationsAreValidAndDistinct() {
        let ids = (0..<64).map { _ in Generation.random() }
        for generation in ids {
            #expect(generation.id.count == 16)
            #expect(Generation(generation.id) == generation)
        }
        #expect(Set(ids).count == ids.count)
        #expect(Generation("0000000000000001")! < Generation("00000000000000ff")!)
    }

    @Test func positionsPrintLikeLitestream() throws {
        let generation = try #require(Generation("5efbd8d042012dca"))
        #expect(
            WALPosition(generation: generation, index: 1, offset: 4152).description == "5efbd8d042012dca/00000001:4152")
        #expect(
            WALPosition(generation: generation, index: 1, offset: 0)
                < WALPosition(generation: generation, index: 1, offset: 32))
        #expect(
            WALPosition(generation: generation, index: 1, offset: 9999)
                < WALPosition(generation: generation, index: 2, offset: 0))
    }
}
