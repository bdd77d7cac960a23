import CCurl
import COpenSSL

/// libcurl and libcrypto are not linked into the binary: the CCurl and COpenSSL targets open
/// `libcurl.so.4` and `libcrypto.so.3` with `dlopen` the first time something needs them (an S3
/// request, a digest, `swiftstream version`), once per process. A process that replicates only
/// to files never maps them, nor the dozen libraries libcurl depends on.
///
/// When a library cannot be loaded, the operation that needed it throws an `HTTPError` with code
/// `.unavailable` and a one-line message naming the library and the package to install.
public enum RuntimeLibraries {
    /// Loads libcurl and runs `curl_global_init` (once per process).
    static func loadCurl() throws(HTTPError) {
        if let error = swst_curl_load() { throw HTTPError(.unavailable, String(cString: error)) }
    }

    /// Loads libcrypto (once per process).
    static func loadCrypto() throws(HTTPError) {
        if let error = swst_crypto_load() { throw HTTPError(.unavailable, String(cString: error)) }
    }

    /// Loads both libraries now, for a command about to use a network replica: a missing library
    /// is then one clear error at startup instead of a failure at every sync.
    public static func loadNetworkLibraries() throws(HTTPError) {
        try loadCurl()
        try loadCrypto()
    }

    /// The version of the libcurl we run with, e.g. `7.88.1`; loads libcurl.
    public static func curlVersion() throws(HTTPError) -> String {
        try loadCurl()
        guard let version = swst_curl_version() else { throw HTTPError(.unavailable, "curl_version_info failed") }
        return String(cString: version)
    }

    /// `OpenSSL_version(OPENSSL_VERSION)` of the libcrypto we run with, e.g.
    /// `OpenSSL 3.0.17 1 Jul 2025`; loads libcrypto.
    public static func opensslVersion() throws(HTTPError) -> String {
        try loadCrypto()
        guard let version = swst_openssl_version() else { throw HTTPError(.unavailable, "OpenSSL_version failed") }
        return String(cString: version)
    }

    /// For tests: runs the libcurl loader's `dlopen` and `dlsym` steps on another library and
    /// throws the error `loadCurl` would throw for it (the library is closed again).
    static func probeCurl(soname: String) throws(HTTPError) {
        if let error = swst_curl_probe(soname) { throw HTTPError(.unavailable, String(cString: error)) }
    }

    /// For tests: `probeCurl` for the libcrypto loader.
    static func probeCrypto(soname: String) throws(HTTPError) {
        if let error = swst_crypto_probe(soname) { throw HTTPError(.unavailable, String(cString: error)) }
    }
}
