import PeerTestSupport
import SwiftStream
import SwiftStreamSystem
import Synchronization
import Testing

extension EndToEnd {
    /// Credential requests to the instance or container metadata service never go through a
    /// proxy from the environment: the proxy would see the keys. libcurl reads the proxy
    /// variables of the process, so this runs the binary with them set (setting them in the test
    /// process would race with every other test's transfers).
    @Suite struct MetadataCredentialsProxyTests {
        @Test(arguments: ["instance", "container"])
        func metadataCredentialsBypassProxies(source: String) async throws {
            let proxied = Mutex<[String]>([])
            let proxy = try LoopbackHTTPServer { request in
                proxied.withLock { $0.append("\(request.method) \(request.target)") }
                return .respond(RawHTTPResponse(status: 502))
            }
            defer { proxy.stop() }
            let document =
                #"{"Code":"Success","AccessKeyId":"ASIAMETA","SecretAccessKey":"s","Token":"t","Expiration":"2099-01-01T00:00:00Z"}"#
            let metadata = try LoopbackHTTPServer { request in
                switch (request.method, request.path) {
                case ("PUT", "/latest/api/token"):
                    return .respond(RawHTTPResponse(status: 200, text: "imds-token", contentType: "text/plain"))
                case ("GET", "/latest/meta-data/iam/security-credentials/"):
                    return .respond(RawHTTPResponse(status: 200, text: "role\n", contentType: "text/plain"))
                case ("GET", "/latest/meta-data/iam/security-credentials/role"), ("GET", "/ecs"):
                    return .respond(RawHTTPResponse(status: 200, text: document, contentType: "application/json"))
                default:
                    return .respond(RawHTTPResponse(status: 404))
                }
            }
            defer { metadata.stop() }
            let signedWith = Mutex<[String]>([])
            let store = try LoopbackHTTPServer { request in
                let auth = request.header("Authorization") ?? ""
                let key = auth.firstRange(of: "Credential=").map { String(auth[$0.upperBound...].prefix { $0 != "/" }) }
                signedWith.withLock { $0.append(key ?? "?") }
                return .respond(
                    RawHTTPResponse(
                        status: 200, text: "<ListBucketResult><IsTruncated>false</IsTruncated></ListBucketResult>"))
            }
            defer { store.stop() }

            let directory = try TestEnvironment.makeScratchDirectory("imds-proxy")
            let config = directory + "/litestream.yml"
            try TestEnvironment.writeFile(directory + "/app.db", "")  // generations reads its modification time
            try TestEnvironment.writeFile(
                config,
                """
                dbs:
                  - path: \(directory)/app.db
                    replicas:
                      - type: s3
                        bucket: bkt
                        path: db
                        endpoint: http://127.0.0.1:\(store.port)
                        region: us-east-1
                        force-path-style: true

                """)
            // The metadata server is addressed as localhost, which no_proxy does not exempt.
            let local = "http://localhost:\(metadata.port)"
            var environment: [String: String?] = [
                "http_proxy": proxy.url, "HTTP_PROXY": proxy.url, "ALL_PROXY": proxy.url, "all_proxy": proxy.url,
                "no_proxy": "127.0.0.1", "NO_PROXY": nil, "HOME": "/nonexistent", "LITESTREAM_CONFIG": nil,
                "AWS_EC2_METADATA_DISABLED": nil, "AWS_ACCESS_KEY_ID": nil, "AWS_SECRET_ACCESS_KEY": nil,
                "AWS_SESSION_TOKEN": nil, "AWS_PROFILE": nil, "LITESTREAM_ACCESS_KEY_ID": nil,
                "LITESTREAM_SECRET_ACCESS_KEY": nil,
            ]
            if source == "instance" {
                environment["AWS_EC2_METADATA_SERVICE_ENDPOINT"] = local
            } else {
                environment["AWS_CONTAINER_CREDENTIALS_FULL_URI"] = local + "/ecs"
            }
            let result = try await ChildProcess.run(
                [try Tool.swiftstream.binary(), "generations", "-config", config, directory + "/app.db"],
                environment: .inherit(environment))
            #expect(result.status == .exited(0), "\(result.standardError)")
            #expect(proxied.withLock { $0 } == [])
            #expect(signedWith.withLock { $0 }.allSatisfy { $0 == "ASIAMETA" })
            #expect(!signedWith.withLock { $0 }.isEmpty)
        }
    }
}
