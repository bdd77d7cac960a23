import SwiftStream
import SwiftStreamSystem
import Synchronization

/// An HTTP/1.1 and HTTP/2 client over libcurl, shared by the cloud backends.
///
/// It pools easy handles so connections (keep-alive), DNS results and TLS sessions are reused.
/// Proxies come from the usual environment variables (`http_proxy`, `HTTPS_PROXY`, `NO_PROXY`),
/// which libcurl reads itself, unless `Configuration.usesProxies` is false. TLS verification is on, with the system CA store or
/// `SSL_CERT_FILE`/`SSL_CERT_DIR`. Each blocking `curl_easy_perform` runs on its own thread
/// (`BlockingIO`), never on Swift's cooperative pool; cancelling the calling task aborts the
/// transfer through libcurl's progress callback. Safe to use concurrently.
public final class HTTPClient: Sendable {
    /// Timeouts, TLS settings and pool size, with documented defaults.
    public struct Configuration: Sendable {
        /// Time allowed to establish a connection (TCP + TLS). Default 10 s.
        public var connectTimeoutMilliseconds = 10_000
        /// A transfer slower than `lowSpeedLimitBytesPerSecond` for `lowSpeedTimeSeconds` is
        /// aborted as stalled. Defaults 1 byte/s for 30 s; a time of 0 disables the check.
        public var lowSpeedLimitBytesPerSecond = 1
        public var lowSpeedTimeSeconds = 30
        /// Limit for the whole transfer; 0 (default) means none, since snapshots can be large.
        public var timeoutMilliseconds = 0
        /// Disables TLS certificate and host name verification (Litestream's `skip-verify`).
        public var skipVerify = false
        /// CA bundle and directory; default from `SSL_CERT_FILE` / `SSL_CERT_DIR`, else the system store.
        public var caFile: String?
        public var caDirectory: String?
        /// Whether the proxy environment variables apply (default true). False sends every
        /// request directly, e.g. for credential requests to instance metadata services.
        public var usesProxies = true
        /// Idle easy handles (each with its connection cache) kept for reuse. Default 8.
        public var maximumIdleHandles = 8

        public init(environment: [String: String] = ProcessEnvironment.current) {
            caFile = environment["SSL_CERT_FILE"].flatMap { $0.isEmpty ? nil : $0 }
            caDirectory = environment["SSL_CERT_DIR"].flatMap { $0.isEmpty ? nil : $0 }
        }
    }

    public let configuration: Configuration
    /// Idle handles. Each handle is used by one transfer at a time: `perform` takes it out of the
    /// pool and puts it back when done, so no handle is ever shared between threads at once.
    private let idle = Mutex<[HandleBox]>([])

    public init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
    }

    /// Sends `request` and returns the response, whatever its status. Throws `HTTPError` for
    /// transport failures and cancellation. With `cancellable` false the transfer runs to its end
    /// even in a cancelled task: for cleanup that must happen after a cancellation (aborting a
    /// multipart upload).
    public func execute(
        _ request: HTTPRequest, destination: HTTPResponseDestination = .memory(), cancellable: Bool = true
    ) async throws -> HTTPResponse {
        let flag = CancellationFlag()
        let result: Result<HTTPResponse, HTTPError>
        if cancellable {
            try Task.checkCancellation()
            result = await withTaskCancellationHandler {
                await BlockingIO.run { self.performBlocking(request, destination: destination, flag: flag) }
            } onCancel: {
                flag.cancel()
            }
        } else {
            result = await BlockingIO.run { self.performBlocking(request, destination: destination, flag: flag) }
        }
        switch result {
        case .success(let response): return response
        case .failure(let error):
            if error.code == .cancelled { throw CancellationError() }
            throw error
        }
    }

    private func performBlocking(
        _ request: HTTPRequest, destination: HTTPResponseDestination, flag: CancellationFlag
    ) -> Result<HTTPResponse, HTTPError> {
        let box: HandleBox
        if let reused = idle.withLock({ $0.popLast() }) {
            box = reused
        } else {
            do {
                box = HandleBox(try CurlEasyHandle())
            } catch {
                return .failure(error)
            }
        }
        do {
            let response = try box.handle.perform(
                request, destination: destination, configuration: configuration, cancellation: flag)
            giveBack(box)
            return .success(response)
        } catch {
            // A failed handle may hold a broken connection; drop it rather than reuse it.
            return .failure(error)
        }
    }

    private func giveBack(_ box: HandleBox) {
        idle.withLock { handles in
            if handles.count < configuration.maximumIdleHandles { handles.append(box) }
        }
    }
}

/// Moves a `CurlEasyHandle` in and out of the pool's mutex.
///
/// `@unchecked Sendable`: the pool hands each box to exactly one transfer at a time (popped
/// under the lock, pushed back after `curl_easy_perform` returns), so the handle is never used
/// from two threads at once, which is libcurl's rule for easy handles.
private final class HandleBox: @unchecked Sendable {
    let handle: CurlEasyHandle
    init(_ handle: CurlEasyHandle) { self.handle = handle }
}
