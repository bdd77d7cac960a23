import SwiftStream
import Testing

extension EndToEnd {
    /// libcurl and libcrypto are opened with dlopen when an S3 replica first needs them: a
    /// daemon with only file replicas never maps them (nor what libcurl depends on: gnutls,
    /// krb5, ldap, ...), which saves about 5.5 MB of resident memory.
    @Suite struct LazyLibrariesTests {
        @Test func fileReplicaDaemonMapsNoNetworkLibraries() async throws {
            var scenario = try Scenario("lazy-libraries")
            let workload = try Workload(path: scenario.databasePath)
            try workload.write(transactions: 3)
            let daemon = try scenario.start(.swiftstream)
            _ = try await scenario.waitForGeneration(daemon)
            try workload.write(transactions: 3, label: "after-snapshot")
            try await daemon.waitForCatchUp(databasePath: scenario.databasePath, replicaPath: scenario.replicaPath)
            let mapped = try daemon.mappedFiles()
            #expect(mapped.contains { $0.contains("/libc.so") }, "maps read: \(mapped)")
            let network = mapped.filter { path in
                ["libcurl", "libcrypto", "libssl", "libgnutls", "libnghttp2"].contains { path.contains($0) }
            }
            #expect(network.isEmpty, "a file-replica daemon mapped \(network.sorted())")
            try await daemon.stopCleanly()
        }
    }
}
