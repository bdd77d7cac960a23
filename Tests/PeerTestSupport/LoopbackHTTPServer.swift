#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif
import SwiftStream
import SwiftStreamSystem
import Synchronization

/// A request as a test server received it.
public struct RawHTTPRequest: Sendable {
    public var method: String
    /// The request target as sent (path and query, still percent-encoded).
    public var target: String
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]

    public func header(_ name: String) -> String? {
        headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }

    public var path: String { String(target.prefix { $0 != "?" }) }
}

/// A response a test server sends.
public struct RawHTTPResponse: Sendable {
    public var status: Int
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]

    public init(status: Int, headers: [(name: String, value: String)] = [], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    public init(status: Int, text: String, contentType: String = "application/xml") {
        self.init(status: status, headers: [("Content-Type", contentType)], body: Array(text.utf8))
    }

    func serialized(includeBody: Bool = true) -> [UInt8] {
        var head = "HTTP/1.1 \(status) \(status < 300 ? "OK" : "Error")\r\n"
        for h in headers
        where h.name.lowercased() != "content-length" && h.name.lowercased() != "transfer-encoding"
            && h.name.lowercased() != "connection"
        {
            head += "\(h.name): \(h.value)\r\n"
        }
        head += "Content-Length: \(body.count)\r\n\r\n"
        return Array(head.utf8) + (includeBody ? body : [])
    }
}

/// What a test server does with one request.
public enum ServerAction: Sendable {
    case respond(RawHTTPResponse)
    /// Sends the request to 127.0.0.1:`port` and relays the answer.
    case forward(port: Int)
    /// Closes the connection with a TCP reset, without answering.
    case reset
    /// Answers nothing for `seconds`, then closes.
    case stall(seconds: Double)
}

/// A tiny HTTP/1.1 server on 127.0.0.1 for tests (keep-alive, Content-Length bodies), one
/// thread per connection. Also the base of `FaultProxy`.
public final class LoopbackHTTPServer: Sendable {
    public let port: Int
    private let listener: Int32
    private let handler: @Sendable (RawHTTPRequest) -> ServerAction
    private let stopped = Atomic<Bool>(false)
    private let connections = Mutex<Set<Int32>>([])

    /// Listens on 127.0.0.1:`port` (0 = any free port).
    public init(port: Int = 0, handler: @escaping @Sendable (RawHTTPRequest) -> ServerAction) throws {
        (listener, self.port) = try Loopback.listen(port: port)
        self.handler = handler
        TestThread.detach { [self] in acceptLoop() }
    }

    /// Stops accepting and closes open connections.
    public func stop() {
        guard !stopped.exchange(true, ordering: .relaxed) else { return }
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
        connections.withLock { set in
            for fd in set { shutdown(fd, Int32(SHUT_RDWR)) }
        }
    }

    public var url: String { "http://127.0.0.1:\(port)" }

    private func acceptLoop() {
        while !stopped.load(ordering: .relaxed) {
            guard let fd = try? retryingInterrupts("accept", "", { accept(listener, nil, nil) }) else { return }
            connections.withLock { _ = $0.insert(fd) }
            TestThread.detach { [self] in
                serve(fd)
                connections.withLock { _ = $0.remove(fd) }
            }
        }
    }

    private func serve(_ fd: Int32) {
        let reader = SocketReader(fd: fd)
        while let request = reader.readRequest() {
            switch handler(request) {
            case .respond(let response):
                guard SocketReader.writeAll(fd, response.serialized(includeBody: request.method != "HEAD")) else {
                    close(fd)
                    return
                }
            case .forward(let port):
                guard let response = LoopbackHTTPServer.forward(request, to: port),
                    SocketReader.writeAll(fd, response.serialized(includeBody: request.method != "HEAD"))
                else {
                    Loopback.reset(fd)
                    return
                }
            case .reset:
                Loopback.reset(fd)
                return
            case .stall(let seconds):
                // The stall is the point: answer nothing for that long.
                usleep(UInt32(seconds * 1_000_000))
                close(fd)
                return
            }
        }
        close(fd)
    }

    /// Relays `request` over a fresh upstream connection (`Connection: close`) and reads the answer.
    static func forward(_ request: RawHTTPRequest, to port: Int) -> RawHTTPResponse? {
        let upstream = Loopback.connect(port: port)
        guard upstream >= 0 else { return nil }
        defer { close(upstream) }
        var head = "\(request.method) \(request.target) HTTP/1.1\r\n"
        for h in request.headers
        where !["connection", "content-length", "transfer-encoding"].contains(h.name.lowercased()) {
            head += "\(h.name): \(h.value)\r\n"
        }
        head += "Content-Length: \(request.body.count)\r\nConnection: close\r\n\r\n"
        guard SocketReader.writeAll(upstream, Array(head.utf8) + request.body) else { return nil }
        return SocketReader(fd: upstream).readResponseUntilClose(method: request.method)
    }
}

/// Buffered reads of HTTP/1.1 messages from a socket.
final class SocketReader {
    let fd: Int32
    var buffer: [UInt8] = []
    var eof = false

    init(fd: Int32) { self.fd = fd }

    func fill() -> Bool {
        var chunk = [UInt8](repeating: 0, count: 65536)
        let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        if n <= 0 {
            eof = true
            return false
        }
        buffer.append(contentsOf: chunk[0..<n])
        return true
    }

    func headerEnd() -> Int? {
        guard buffer.count >= 4 else { return nil }
        for i in 0...(buffer.count - 4)
        where buffer[i] == 13 && buffer[i + 1] == 10 && buffer[i + 2] == 13 && buffer[i + 3] == 10 {
            return i
        }
        return nil
    }

    static func parseHead(_ bytes: ArraySlice<UInt8>) -> (String, [(name: String, value: String)]) {
        let text = String(decoding: bytes, as: UTF8.self)
        var lines = text.components(separatedBy: "\r\n")
        let first = lines.isEmpty ? "" : lines.removeFirst()
        var headers: [(name: String, value: String)] = []
        for line in lines {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let value = line[line.index(after: colon)...].drop { $0 == " " }
            headers.append((String(line[..<colon]), String(value)))
        }
        return (first, headers)
    }

    func readRequest() -> RawHTTPRequest? {
        var end = headerEnd()
        while end == nil {
            guard fill() else { return nil }
            end = headerEnd()
        }
        guard let end else { return nil }
        let (line, headers) = SocketReader.parseHead(buffer[0..<end])
        buffer.removeFirst(end + 4)
        let parts = line.split(separator: " ")
        guard parts.count >= 2 else { return nil }
        let length = Int(headers.first { $0.name.lowercased() == "content-length" }?.value ?? "0") ?? 0
        while buffer.count < length {
            guard fill() else { return nil }
        }
        let body = Array(buffer[0..<length])
        buffer.removeFirst(length)
        return RawHTTPRequest(method: String(parts[0]), target: String(parts[1]), headers: headers, body: body)
    }

    func readResponseUntilClose(method: String) -> RawHTTPResponse? {
        while fill() {}
        guard let end = headerEnd() else { return nil }
        let (line, headers) = SocketReader.parseHead(buffer[0..<end])
        let parts = line.split(separator: " ")
        guard parts.count >= 2, let status = Int(parts[1]) else { return nil }
        var body = Array(buffer[(end + 4)...])
        if headers.contains(where: {
            $0.name.lowercased() == "transfer-encoding" && $0.value.lowercased().contains("chunked")
        }) {
            body = SocketReader.dechunk(body)
        } else if let length = headers.first(where: { $0.name.lowercased() == "content-length" }).flatMap({
            Int($0.value)
        }),
            length < body.count
        {
            body = Array(body[0..<length])
        }
        if method == "HEAD" { body = [] }
        return RawHTTPResponse(status: status, headers: headers, body: body)
    }

    static func dechunk(_ data: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        var i = 0
        while i < data.count {
            var lineEnd = i
            while lineEnd + 1 < data.count, !(data[lineEnd] == 13 && data[lineEnd + 1] == 10) { lineEnd += 1 }
            let sizeText = String(decoding: data[i..<lineEnd], as: UTF8.self).split(separator: ";").first ?? ""
            guard let size = Int(sizeText.trimmingCharacters(in: " "), radix: 16), size > 0 else { break }
            let start = lineEnd + 2
            guard start + size <= data.count else { break }
            out.append(contentsOf: data[start..<(start + size)])
            i = start + size + 2
        }
        return out
    }

    static func writeAll(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
        var done = 0
        while done < bytes.count {
            let sent = bytes.withUnsafeBytes { raw in
                try? retryingInterrupts("send", "") {
                    send(fd, raw.baseAddress.map { $0 + done }, bytes.count - done, Int32(MSG_NOSIGNAL))
                }
            }
            guard let sent, sent > 0 else { return false }
            done += sent
        }
        return true
    }
}

extension Substring {
    func trimmingCharacters(in set: Character) -> String {
        var s = self
        while s.first == set { s = s.dropFirst() }
        while s.last == set { s = s.dropLast() }
        return String(s)
    }
}

extension String {
    func components(separatedBy separator: String) -> [String] {
        var result: [String] = []
        var rest = Substring(self)
        while let range = rest.firstRange(of: separator) {
            result.append(String(rest[..<range.lowerBound]))
            rest = rest[range.upperBound...]
        }
        result.append(String(rest))
        return result
    }
}
