import COpenSSL

/// Incremental SHA-256 (`EVP_DigestInit_ex`/`Update`/`Final_ex`), for bodies hashed while they
/// are written.
public final class SHA256Hasher {
    private let context: OpaquePointer

    /// Loads libcrypto on first use; throws if it cannot.
    public init() throws(HTTPError) {
        try RuntimeLibraries.loadCrypto()
        guard let ctx = swst_sha256_new() else {
            throw HTTPError(.internalError, "EVP_MD_CTX_new or EVP_DigestInit_ex(sha256) failed")
        }
        context = ctx
    }

    deinit { swst_digest_free(context) }

    public func update(_ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return }
        _ = swst_digest_update(context, base, bytes.count)
    }

    /// The digest; call once.
    public func finish() -> [UInt8] {
        var out = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var size: UInt32 = 0
        _ = out.withUnsafeMutableBufferPointer { swst_digest_final(context, $0.baseAddress, &size) }
        return Array(out.prefix(Int(size)))
    }
}
