#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif
import SwiftStreamSystem
import Testing

@testable import SwiftStream

@Suite struct InstanceLockTests {
    @Test func aSecondDatabaseOnTheSamePathCannotOpenUntilTheFirstCloses() async throws {
        let (directory, databasePath, _, app, client) = try fileReplicaScenario()
        defer { directory.remove() }
        try app.insert(rows: 2)
        let first = replicatingDatabase(databasePath, to: client)
        try await first.open()
        let lockFile = first.metaPath + "/swiftstream.lock"
        #expect(String(decoding: try FileIO.readAll(lockFile), as: UTF8.self) == "\(getpid())\n")

        let second = replicatingDatabase(databasePath, to: client)
        let error = try await #require(throws: SwiftStreamError.self) { try await second.open() }
        #expect(error.description.contains("is already being replicated by process \(getpid())"))
        #expect(error.description.contains(lockFile))

        try await first.close()
        try await second.open()
        try await second.close()
    }
}
