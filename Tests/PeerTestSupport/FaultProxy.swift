import Synchronization

/// An HTTP proxy between a client and a real server (moto) that injects faults and records
/// every request it receives.
///
/// Faults come three ways:
/// - a script: each request takes the next scripted fault (500, 503, reset, stall…), then
///   requests pass through (`inject`);
/// - an outage: every request gets the same fault until the outage ends (`setOutage`);
/// - down: the proxy stops listening, so connections are refused, until `comeUp()` listens again
///   on the same port (`goDown`).
///
/// Every request that reaches the proxy is recorded (also the faulted ones); `operationCounts`
/// classifies them as S3 operations, which makes the proxy a request counter too.
public final class FaultProxy: Sendable {
    public enum Fault: Sendable {
        /// Forward this request unchanged (to aim later faults at later requests).
        case pass
        case status(Int, code: String)
        case reset
        case stall(seconds: Double)
        /// Forward the request (the server acts on it), then reset the connection instead of
        /// relaying the answer: a response lost on the way back.
        case loseResponse
    }

    private final class State: Sendable {
        let script = Mutex<[Fault]>([])
        let outage = Mutex<Fault?>(nil)
        let recorded = Mutex<[RawHTTPRequest]>([])
        let recordBodies: Bool
        init(recordBodies: Bool) { self.recordBodies = recordBodies }
    }

    private let state: State
    private let server: Mutex<LoopbackHTTPServer?>
    public let upstreamPort: Int
    public let port: Int

    /// - Parameter recordBodies: false keeps only the request lines and headers (long runs that
    ///   upload a lot and only count requests).
    public init(upstreamPort: Int, recordBodies: Bool = true) throws {
        self.upstreamPort = upstreamPort
        state = State(recordBodies: recordBodies)
        let first = try FaultProxy.makeServer(port: 0, state: state, upstreamPort: upstreamPort)
        port = first.port
        server = Mutex(first)
    }

    private static func makeServer(port: Int, state: State, upstreamPort: Int) throws -> LoopbackHTTPServer {
        try LoopbackHTTPServer(port: port) { request in
            var kept = request
            if !state.recordBodies { kept.body = [] }
            state.recorded.withLock { $0.append(kept) }
            let fault =
                state.outage.withLock { $0 } ?? state.script.withLock { $0.isEmpty ? nil : $0.removeFirst() }
            switch fault {
            case nil, .pass: return .forward(port: upstreamPort)
            case .status(let status, let code):
                return .respond(
                    RawHTTPResponse(
                        status: status,
                        text:
                            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>\(code)</Code><Message>injected</Message></Error>"
                    ))
            case .reset: return .reset
            case .stall(let seconds): return .stall(seconds: seconds)
            case .loseResponse:
                _ = LoopbackHTTPServer.forward(request, to: upstreamPort)
                return .reset
            }
        }
    }

    public var url: String { "http://127.0.0.1:\(port)" }

    /// Queues faults for the next requests, in order.
    public func inject(_ faults: [Fault]) { state.script.withLock { $0.append(contentsOf: faults) } }
    public var pendingFaults: Int { state.script.withLock { $0.count } }

    /// Every request gets `fault` until `setOutage(nil)`.
    public func setOutage(_ fault: Fault?) { state.outage.withLock { $0 = fault } }

    /// Stops listening and drops open connections: clients get "connection refused".
    public func goDown() {
        let current = server.withLock { server in
            defer { server = nil }
            return server
        }
        current?.stop()
    }

    /// Listens again on the same port after `goDown()`.
    public func comeUp() throws {
        try server.withLock { server in
            guard server == nil else { return }
            server = try FaultProxy.makeServer(port: port, state: state, upstreamPort: upstreamPort)
        }
    }

    public var requests: [RawHTTPRequest] { state.recorded.withLock { $0 } }
    public func clearRequests() { state.recorded.withLock { $0.removeAll() } }

    /// Recorded requests per S3 operation.
    public var operationCounts: [S3Operation: Int] {
        var counts: [S3Operation: Int] = [:]
        for request in requests { counts[S3Operation(request), default: 0] += 1 }
        return counts
    }

    public func stop() { goDown() }
}

/// The S3 operation a path-style request performs, as far as a proxy can tell.
public enum S3Operation: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    case listObjects = "ListObjects"
    case getBucketLocation = "GetBucketLocation"
    case getObject = "GetObject"
    case headObject = "HeadObject"
    case putObject = "PutObject"
    case createBucket = "CreateBucket"
    case uploadPart = "UploadPart"
    case createMultipartUpload = "CreateMultipartUpload"
    case completeMultipartUpload = "CompleteMultipartUpload"
    case abortMultipartUpload = "AbortMultipartUpload"
    case deleteObjects = "DeleteObjects"
    case deleteObject = "DeleteObject"
    case other = "Other"

    public var description: String { rawValue }

    /// The request class a cloud bill counts: LIST, GET, HEAD, PUT, POST or DELETE.
    public var kind: String {
        switch self {
        case .listObjects: "LIST"
        case .getBucketLocation, .getObject: "GET"
        case .headObject: "HEAD"
        case .putObject, .createBucket, .uploadPart: "PUT"
        case .createMultipartUpload, .completeMultipartUpload, .deleteObjects: "POST"
        case .abortMultipartUpload, .deleteObject: "DELETE"
        case .other: "OTHER"
        }
    }

    /// Classifies a path-style request (`/bucket[/key][?query]`).
    public init(_ request: RawHTTPRequest) {
        let query =
            request.target.split(separator: "?", maxSplits: 1).dropFirst().first.map {
                Set($0.split(separator: "&").map { String($0.split(separator: "=", maxSplits: 1).first ?? "") })
            } ?? []
        let hasKey = request.path.split(separator: "/", omittingEmptySubsequences: true).count > 1
        switch (request.method, hasKey) {
        case ("GET", false): self = query.contains("location") ? .getBucketLocation : .listObjects
        case ("GET", true): self = .getObject
        case ("HEAD", true): self = .headObject
        case ("PUT", false): self = .createBucket
        case ("PUT", true): self = query.contains("uploadId") ? .uploadPart : .putObject
        case ("POST", false): self = query.contains("delete") ? .deleteObjects : .other
        case ("POST", true):
            self =
                query.contains("uploads")
                ? .createMultipartUpload : (query.contains("uploadId") ? .completeMultipartUpload : .other)
        case ("DELETE", true): self = query.contains("uploadId") ? .abortMultipartUpload : .deleteObject
        default: self = .other
        }
    }
}
