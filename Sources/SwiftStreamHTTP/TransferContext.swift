import CCurl
import SwiftStream
import SwiftStreamSystem
import Synchronization
import SystemPackage

/// A flag set from `withTaskCancellationHandler` and polled by libcurl's progress callback.
final class CancellationFlag: Sendable {
    private let value = Atomic<Bool>(false)
    func cancel() { value.store(true, ordering: .relaxed) }
    var isCancelled: Bool { value.load(ordering: .relaxed) }
}

/// Per-transfer state that libcurl's callbacks reach through `Unmanaged` userdata. Lives for one
/// `curl_easy_perform` call and is touched only by the thread running it.
final class TransferContext {
    let body: HTTPRequest.Body
    var bodyPosition: Int64 = 0
    let destinationPath: String?
    /// The destination file, opened at the first byte of a 2xx body.
    var destination: FileDescriptor?
    let memoryLimit: Int
    let cancellation: CancellationFlag

    var status = 0
    var headers: [HTTPHeader] = []
    var memory: [UInt8] = []
    var written: Int64 = 0
    /// Set by a callback that failed, reported instead of libcurl's generic "callback aborted".
    var localError: HTTPError?

    init(body: HTTPRequest.Body, destination: HTTPResponseDestination, cancellation: CancellationFlag) {
        self.body = body
        self.cancellation = cancellation
        switch destination {
        case .memory(let limit):
            destinationPath = nil
            memoryLimit = limit
        case .file(let path):
            destinationPath = path
            memoryLimit = 1 << 20
        }
    }

    deinit { destination?.closeIgnoringErrors() }

    /// Fills `buffer` with the next body bytes; returns the count (0 at the end).
    func readBody(into buffer: UnsafeMutableRawBufferPointer) -> Int {
        guard case .bytes(let bytes) = body else { return 0 }
        let start = Int(bodyPosition)
        let n = min(buffer.count, bytes.count - start)
        guard n > 0 else { return 0 }
        bytes.withUnsafeBytes { source in
            buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: source[start..<(start + n)]))
        }
        bodyPosition += Int64(n)
        return n
    }

    /// Handles one header line; a new status line starts a new header block (after `100 Continue`
    /// or a redirect) so only the final response's headers remain.
    func headerLine(_ line: UnsafeRawBufferPointer) {
        var bytes = line[...]
        while let last = bytes.last, last == 0x0A || last == 0x0D { bytes = bytes.dropLast() }
        let text = String(decoding: bytes, as: UTF8.self)
        if text.hasPrefix("HTTP/") {
            let parts = text.split(separator: " ", maxSplits: 2)
            status = parts.count >= 2 ? Int(parts[1]) ?? 0 : 0
            headers.removeAll()
            return
        }
        guard let colon = text.firstIndex(of: ":") else { return }
        let name = String(text[..<colon])
        let value = text[text.index(after: colon)...].trimmingPrefix(" ")
        headers.append(HTTPHeader(name, String(value)))
    }

    /// Stores a body chunk; returns false to abort the transfer.
    func receive(_ chunk: UnsafeRawBufferPointer) -> Bool {
        if let path = destinationPath, (200..<300).contains(status) {
            do {
                try openDestination(path).writeAll(chunk, path: path)
            } catch {
                localError = HTTPError(.localIO, error.description)
                return false
            }
            written += Int64(chunk.count)
            return true
        }
        if memory.count + chunk.count > memoryLimit {
            localError = HTTPError(.localIO, "response body larger than \(memoryLimit) bytes")
            return false
        }
        memory.append(contentsOf: chunk)
        return true
    }

    /// Makes sure a 2xx response with an empty body still creates (truncates) the destination file.
    func finishDestination() throws(HTTPError) {
        guard let path = destinationPath, (200..<300).contains(status) else { return }
        do {
            _ = try openDestination(path)
        } catch {
            throw HTTPError(.localIO, error.description)
        }
    }

    private func openDestination(_ path: String) throws(SystemError) -> FileDescriptor {
        if let destination { return destination }
        let opened = try FileDescriptor.open(
            path, .writeOnly, options: [.create, .truncate], permissions: .ownerReadWrite)
        destination = opened
        return opened
    }
}
