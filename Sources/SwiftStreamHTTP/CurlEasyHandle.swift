import CCurl
import SwiftStream
import Synchronization

/// Owns one libcurl easy handle (`CURL*`); the pointer never leaves this file.
///
/// A handle keeps its connection cache, DNS cache and TLS session cache between transfers, so
/// `HTTPClient` pools handles for connection reuse. A handle runs one transfer at a time.
/// - SeeAlso: https://curl.se/libcurl/c/libcurl-easy.html
final class CurlEasyHandle {
    private let handle: UnsafeMutableRawPointer
    /// `CURLOPT_ERRORBUFFER` target: libcurl borrows it, so the handle owns it.
    private let errorBuffer: UnsafeMutablePointer<CChar>
    /// `CURLOPT_HTTPHEADER` list: borrowed by libcurl for the transfer, freed after it.
    private var headerList: UnsafeMutablePointer<curl_slist>?

    /// Loads libcurl on first use (`RuntimeLibraries`), which also runs `curl_global_init` once.
    init() throws(HTTPError) {
        try RuntimeLibraries.loadCurl()
        guard let h = swst_curl_easy_init() else { throw HTTPError(.internalError, "curl_easy_init failed") }
        handle = h
        errorBuffer = .allocate(capacity: Int(CURL_ERROR_SIZE) + 1)
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
    }

    deinit {
        swst_curl_easy_cleanup(handle)
        if let headerList { swst_curl_slist_free_all(headerList) }
        errorBuffer.deallocate()
    }

    private func check(_ rc: CURLcode, _ option: String) throws(HTTPError) {
        guard rc == CURLE_OK else {
            throw HTTPError(
                .internalError, "curl_easy_setopt(\(option)): \(String(cString: swst_curl_easy_strerror(rc)))",
                curlCode: Int(rc.rawValue))
        }
    }

    /// Runs one transfer to completion on the calling thread (blocking).
    func perform(
        _ request: HTTPRequest, destination: HTTPResponseDestination, configuration: HTTPClient.Configuration,
        cancellation: CancellationFlag
    ) throws(HTTPError) -> HTTPResponse {
        // Forget the previous transfer's options; live connections and caches survive a reset.
        swst_curl_easy_reset(handle)
        if let headerList {
            swst_curl_slist_free_all(headerList)
            self.headerList = nil
        }
        errorBuffer[0] = 0
        let context = TransferContext(body: request.body, destination: destination, cancellation: cancellation)
        try configure(request, configuration: configuration, context: context)

        let rc = withExtendedLifetime(context) { swst_curl_easy_perform(handle) }
        if let error = context.localError { throw error }
        if cancellation.isCancelled {
            throw HTTPError(.cancelled, "\(request.method) \(request.hostAndPort): cancelled")
        }
        guard rc == CURLE_OK else { throw transferError(rc, request) }
        try context.finishDestination()
        var status = 0
        _ = swst_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status)
        return HTTPResponse(
            status: status, headers: context.headers, body: context.memory, bytesWritten: context.written)
    }

    private func transferError(_ rc: CURLcode, _ request: HTTPRequest) -> HTTPError {
        let text = String(cString: swst_curl_easy_strerror(rc))
        let detail = String(cString: errorBuffer)
        let message =
            "\(request.method) \(request.hostAndPort): \(text)"
            + (detail.isEmpty || detail == text ? "" : ": \(detail)")
        let code: HTTPError.Code
        switch rc {
        case CURLE_OPERATION_TIMEDOUT: code = .timeout
        case CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY, CURLE_COULDNT_CONNECT, CURLE_SEND_ERROR,
            CURLE_RECV_ERROR, CURLE_GOT_NOTHING, CURLE_PARTIAL_FILE, CURLE_HTTP2, CURLE_HTTP2_STREAM,
            CURLE_SSL_CONNECT_ERROR, CURLE_WEIRD_SERVER_REPLY:
            code = .transport
        case CURLE_ABORTED_BY_CALLBACK: code = .cancelled
        default: code = .internalError
        }
        return HTTPError(code, message, curlCode: Int(rc.rawValue))
    }

    private func configure(
        _ request: HTTPRequest, configuration: HTTPClient.Configuration, context: TransferContext
    ) throws(HTTPError) {
        try check(swst_setopt_string(handle, CURLOPT_URL, request.url), "URL")
        // The path goes out as it was signed: libcurl would otherwise resolve "/./" and "/../"
        // in it (an S3 key may contain them), and the server would check another path.
        // curl.se/libcurl/c/CURLOPT_PATH_AS_IS.html
        try check(swst_setopt_long(handle, CURLOPT_PATH_AS_IS, 1), "PATH_AS_IS")
        try check(swst_setopt_pointer(handle, CURLOPT_ERRORBUFFER, errorBuffer), "ERRORBUFFER")
        // Threads: libcurl must not use signals for DNS timeouts (curl.se/libcurl/c/CURLOPT_NOSIGNAL.html).
        try check(swst_setopt_long(handle, CURLOPT_NOSIGNAL, 1), "NOSIGNAL")
        try check(swst_setopt_long(handle, CURLOPT_HTTP_VERSION, Int(CURL_HTTP_VERSION_2TLS)), "HTTP_VERSION")
        try check(swst_setopt_long(handle, CURLOPT_TCP_KEEPALIVE, 1), "TCP_KEEPALIVE")
        try check(
            swst_setopt_long(handle, CURLOPT_CONNECTTIMEOUT_MS, configuration.connectTimeoutMilliseconds),
            "CONNECTTIMEOUT_MS")
        if configuration.lowSpeedTimeSeconds > 0 {
            try check(
                swst_setopt_long(handle, CURLOPT_LOW_SPEED_LIMIT, configuration.lowSpeedLimitBytesPerSecond),
                "LOW_SPEED_LIMIT")
            try check(
                swst_setopt_long(handle, CURLOPT_LOW_SPEED_TIME, configuration.lowSpeedTimeSeconds), "LOW_SPEED_TIME")
        }
        if configuration.timeoutMilliseconds > 0 {
            try check(swst_setopt_long(handle, CURLOPT_TIMEOUT_MS, configuration.timeoutMilliseconds), "TIMEOUT_MS")
        }
        if configuration.skipVerify {
            try check(swst_setopt_long(handle, CURLOPT_SSL_VERIFYPEER, 0), "SSL_VERIFYPEER")
            try check(swst_setopt_long(handle, CURLOPT_SSL_VERIFYHOST, 0), "SSL_VERIFYHOST")
        }
        if !configuration.usesProxies {
            // "" disables a proxy from the environment; NOPROXY "*" exempts every host as well.
            try check(swst_setopt_string(handle, CURLOPT_PROXY, ""), "PROXY")
            try check(swst_setopt_string(handle, CURLOPT_NOPROXY, "*"), "NOPROXY")
        }
        if let file = configuration.caFile { try check(swst_setopt_string(handle, CURLOPT_CAINFO, file), "CAINFO") }
        if let dir = configuration.caDirectory { try check(swst_setopt_string(handle, CURLOPT_CAPATH, dir), "CAPATH") }

        // Method and body. Every body goes through the read callback with CURLOPT_UPLOAD (which
        // alone would mean PUT); CUSTOMREQUEST then names the real method.
        let method = request.method.uppercased()
        switch method {
        case "GET": break
        case "HEAD": try check(swst_setopt_long(handle, CURLOPT_NOBODY, 1), "NOBODY")
        default: try check(swst_setopt_string(handle, CURLOPT_CUSTOMREQUEST, method), "CUSTOMREQUEST")
        }
        let userdata = Unmanaged.passUnretained(context).toOpaque()
        if method == "PUT" || method == "POST" || request.body.length > 0 {
            try check(swst_setopt_long(handle, CURLOPT_UPLOAD, 1), "UPLOAD")
            try check(
                swst_setopt_off(handle, CURLOPT_INFILESIZE_LARGE, curl_off_t(request.body.length)), "INFILESIZE_LARGE")
            try check(swst_setopt_read_function(handle, curlRead), "READFUNCTION")
            try check(swst_setopt_pointer(handle, CURLOPT_READDATA, userdata), "READDATA")
            try check(swst_setopt_seek_function(handle, curlSeek), "SEEKFUNCTION")
            try check(swst_setopt_pointer(handle, CURLOPT_SEEKDATA, userdata), "SEEKDATA")
        }
        try check(swst_setopt_write_function(handle, curlWrite), "WRITEFUNCTION")
        try check(swst_setopt_pointer(handle, CURLOPT_WRITEDATA, userdata), "WRITEDATA")
        try check(swst_setopt_header_function(handle, curlHeader), "HEADERFUNCTION")
        try check(swst_setopt_pointer(handle, CURLOPT_HEADERDATA, userdata), "HEADERDATA")
        try check(swst_setopt_long(handle, CURLOPT_NOPROGRESS, 0), "NOPROGRESS")
        try check(swst_setopt_xferinfo_function(handle, curlProgress), "XFERINFOFUNCTION")
        try check(swst_setopt_pointer(handle, CURLOPT_XFERINFODATA, userdata), "XFERINFODATA")

        // "Expect:" suppresses the 100-continue round trip for uploads; an empty "Accept:" drops
        // curl's default so signed requests carry only what the caller set.
        var list: UnsafeMutablePointer<curl_slist>? = nil
        for header in request.headers + [HTTPHeader("Expect", ""), HTTPHeader("Accept", "")] {
            let line = header.value.isEmpty ? "\(header.name):" : "\(header.name): \(header.value)"
            guard let next = swst_curl_slist_append(list, line) else {
                if let list { swst_curl_slist_free_all(list) }
                throw HTTPError(.internalError, "curl_slist_append failed")
            }
            list = next
        }
        headerList = list
        try check(swst_setopt_slist(handle, CURLOPT_HTTPHEADER, list), "HTTPHEADER")
    }
}

// libcurl callbacks: plain functions (no captures); the context arrives as userdata.

private func context(_ userdata: UnsafeMutableRawPointer?) -> TransferContext? {
    guard let userdata else { return nil }
    return Unmanaged<TransferContext>.fromOpaque(userdata).takeUnretainedValue()
}

private let curlWrite: curl_write_callback = { pointer, size, count, userdata in
    guard let ctx = context(userdata) else { return 0 }
    let n = size * count
    guard let pointer, n > 0 else { return 0 }
    return ctx.receive(UnsafeRawBufferPointer(start: pointer, count: n)) ? n : 0
}

private let curlHeader: curl_write_callback = { pointer, size, count, userdata in
    guard let ctx = context(userdata) else { return 0 }
    let n = size * count
    if let pointer, n > 0 { ctx.headerLine(UnsafeRawBufferPointer(start: pointer, count: n)) }
    return n
}

private let curlRead: curl_read_callback = { pointer, size, count, userdata in
    guard let ctx = context(userdata), let pointer else { return swst_curl_readfunc_abort() }
    if ctx.cancellation.isCancelled { return swst_curl_readfunc_abort() }
    return ctx.readBody(into: UnsafeMutableRawBufferPointer(start: pointer, count: size * count))
}

private let curlSeek: curl_seek_callback = { userdata, offset, origin in
    // libcurl rewinds the body when it resends a request (e.g. on a dead reused connection).
    guard let ctx = context(userdata), origin == SEEK_SET, offset >= 0, Int64(offset) <= ctx.body.length else {
        return swst_curl_seekfunc_cantseek()
    }
    ctx.bodyPosition = Int64(offset)
    return swst_curl_seekfunc_ok()
}

private let curlProgress: curl_xferinfo_callback = { userdata, _, _, _, _ in
    guard let ctx = context(userdata) else { return 0 }
    return ctx.cancellation.isCancelled ? 1 : 0
}
