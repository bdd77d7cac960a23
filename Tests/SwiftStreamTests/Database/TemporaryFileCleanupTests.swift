#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif
import SwiftStreamSystem
import Testing

@testable import SwiftStream

@Suite struct TemporaryFileCleanupTests {
    /// Opening removes `*.tmp` files below the meta directory, and never below a symlink in it.
    @Test func openRemovesTemporaryFilesWithoutFollowingLinks() async throws {
        let (directory, databasePath, _, app, client) = try fileReplicaScenario()
        defer { directory.remove() }
        try app.insert(rows: 1)
        let database = replicatingDatabase(databasePath, to: client)
        let outside = directory.path + "/elsewhere"
        try FileIO.makeDirectories(outside)
        try FileIO.write([1], to: outside + "/keep.tmp")
        try FileIO.makeDirectories(database.metaPath + "/generations")
        try FileIO.write([1], to: database.metaPath + "/generations/stale.tmp")
        #expect(symlink(outside, database.metaPath + "/generations/link") == 0)

        try await database.open()
        try await database.close()
        #expect(!FileIO.exists(database.metaPath + "/generations/stale.tmp"))
        #expect(FileIO.exists(outside + "/keep.tmp"))
    }
}
