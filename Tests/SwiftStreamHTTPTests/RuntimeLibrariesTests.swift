import Testing
@testable import SwiftStreamHTTP

/// libcurl and libcrypto are opened with dlopen on first use; these tests run the loaders'
/// dlopen and dlsym steps on other libraries to see their errors.
@Suite struct RuntimeLibrariesTests {
    @Test func missingLibraryNamesItAndThePackage() {
        let soname = "libswiftstream-missing.so.9"
        let curl = #expect(throws: HTTPError.self) { try RuntimeLibraries.probeCurl(soname: soname) }
        #expect(curl?.code == .unavailable)
        #expect(
            curl?.message
                == "cannot load \(soname) (needed for s3 replicas): \(soname): cannot open shared object file: "
                + "No such file or directory; install the libcurl4 package")
        let crypto = #expect(throws: HTTPError.self) { try RuntimeLibraries.probeCrypto(soname: soname) }
        #expect(crypto?.code == .unavailable)
        #expect(
            crypto?.message
                == "cannot load \(soname) (needed for s3 replicas): \(soname): cannot open shared object file: "
                + "No such file or directory; install the libssl3 package")
    }

    /// zlib loads but has none of the functions.
    @Test func libraryWithoutTheFunctions() {
        let curl = #expect(throws: HTTPError.self) { try RuntimeLibraries.probeCurl(soname: "libz.so.1") }
        #expect(
            curl?.message
                == "cannot load libz.so.1 (needed for s3 replicas): it has no curl_global_init (too old?); "
                + "install the libcurl4 package")
        let crypto = #expect(throws: HTTPError.self) { try RuntimeLibraries.probeCrypto(soname: "libz.so.1") }
        #expect(crypto?.message.contains("it has no OpenSSL_version") == true)
    }

    @Test func realLibrariesLoad() throws {
        try RuntimeLibraries.probeCurl(soname: "libcurl.so.4")
        try RuntimeLibraries.probeCrypto(soname: "libcrypto.so.3")
        #expect(try RuntimeLibraries.curlVersion().first?.isNumber == true)
        #expect(try RuntimeLibraries.opensslVersion().hasPrefix("OpenSSL 3."))
    }
}
