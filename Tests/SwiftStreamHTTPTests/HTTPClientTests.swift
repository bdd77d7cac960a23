import PeerTestSupport
import SwiftStream
import SwiftStreamHTTP
import SwiftStreamSystem
import Synchronization
import Testing

/// HTTPClient against an in-process HTTP server on 127.0.0.1.
@Suite struct HTTPClientTests {
    @Test func getsIntoMemoryAndReusesTheConnection() async throws {
        let server = try LoopbackHTTPServer { request in
            .respond(RawHTTPResponse(status: 200, text: "hello \(request.path)", contentType: "text/plain"))
        }
        defer { server.stop() }
        let client = HTTPClient()
        for i in 0..<3 {
            let response = try await client.execute(HTTPRequest(method: "GET", url: server.url + "/x\(i)"))
            #expect(response.status == 200)
            #expect(String(decoding: response.body, as: UTF8.self) == "hello /x\(i)")
            #expect(response.header("content-type") == "text/plain")
        }
    }

    @Test func uploadsBytesAndDownloadsToAFile() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let bytes = (0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        let received = Mutex<[UInt8]>([])
        let server = try LoopbackHTTPServer { request in
            if request.method == "PUT" {
                received.withLock { $0 = request.body }
                return .respond(RawHTTPResponse(status: 200))
            }
            return .respond(RawHTTPResponse(status: 200, headers: [], body: received.withLock { $0 }))
        }
        defer { server.stop() }
        let client = HTTPClient()
        let put = try await client.execute(
            HTTPRequest(method: "PUT", url: server.url + "/o", body: .bytes(Array(bytes[1000..<201_000])))
        )
        #expect(put.status == 200)
        #expect(received.withLock { $0 } == Array(bytes[1000..<201_000]))
        let target = dir.path + "/target"
        let get = try await client.execute(
            HTTPRequest(method: "GET", url: server.url + "/o"), destination: .file(path: target))
        #expect(get.status == 200)
        #expect(get.bytesWritten == 200_000)
        #expect(try FileIO.readAll(target) == Array(bytes[1000..<201_000]))
    }

    @Test func errorResponsesToAFileDestinationStayInMemory() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let server = try LoopbackHTTPServer { _ in .respond(RawHTTPResponse(status: 404, text: "<Error/>")) }
        defer { server.stop() }
        let response = try await HTTPClient().execute(
            HTTPRequest(method: "GET", url: server.url + "/missing"), destination: .file(path: dir.path + "/f"))
        #expect(response.status == 404)
        #expect(String(decoding: response.body, as: UTF8.self) == "<Error/>")
        #expect(!FileIO.exists(dir.path + "/f"))
    }

    @Test func connectionRefusedIsATransientTransportError() async throws {
        let port = try Loopback.freePort()
        await #expect {
            _ = try await HTTPClient().execute(
                HTTPRequest(method: "GET", url: "http://127.0.0.1:\(port)/x?X-Amz-Signature=secret"))
        } throws: { error in
            guard let error = error as? HTTPError else { return false }
            return error.isTransient && error.code == .transport && error.message.contains("127.0.0.1:\(port)")
                && !error.message.contains("secret") && error.curlCode == 7
        }
    }

    @Test func stalledTransferTimesOut() async throws {
        let server = try LoopbackHTTPServer { _ in .stall(seconds: 5) }
        defer { server.stop() }
        var configuration = HTTPClient.Configuration()
        configuration.lowSpeedTimeSeconds = 1
        let started = Timestamp.now()
        await #expect {
            _ = try await HTTPClient(configuration: configuration).execute(HTTPRequest(method: "GET", url: server.url))
        } throws: { error in
            (error as? HTTPError)?.code == .timeout
        }
        #expect(Timestamp.now().nanoseconds - started.nanoseconds < 4_500_000_000)
    }

    @Test func cancellingTheTaskAbortsTheTransfer() async throws {
        let received = Atomic<Bool>(false)
        let server = try LoopbackHTTPServer { _ in
            received.store(true, ordering: .relaxed)
            return .stall(seconds: 10)
        }
        defer { server.stop() }
        let client = HTTPClient()
        let started = Timestamp.now()
        let task = Task { try await client.execute(HTTPRequest(method: "GET", url: server.url)) }
        // Cancel only once the transfer is under way, so the abort (not a request never sent) is tested.
        try await waitUntil("the server received the request") { received.load(ordering: .relaxed) }
        task.cancel()
        let result = await task.result
        #expect(throws: CancellationError.self) { try result.get() }
        #expect(Timestamp.now().nanoseconds - started.nanoseconds < 5_000_000_000)
    }

    @Test func certificateFilesComeFromTheEnvironment() {
        let configuration = HTTPClient.Configuration(environment: [
            "SSL_CERT_FILE": "/x/ca.pem", "SSL_CERT_DIR": "/x/certs",
        ])
        #expect(configuration.caFile == "/x/ca.pem")
        #expect(configuration.caDirectory == "/x/certs")
        #expect(!configuration.skipVerify)
        #expect(HTTPClient.Configuration(environment: [:]).caFile == nil)
    }

    @Test func urlPartsGiveHostAndPort() {
        #expect(URLParts("http://127.0.0.1:9000/b/k?x=1")?.hostAndPort == "127.0.0.1:9000")
        #expect(URLParts("https://s3.amazonaws.com:443/b")?.hostAndPort == "s3.amazonaws.com")
        #expect(URLParts("https://bkt.s3.amazonaws.com")?.path == "/")
        #expect(URLParts("http://[::1]:80/x")?.hostAndPort == "[::1]")
        #expect(URLParts("nonsense") == nil)
    }
}
