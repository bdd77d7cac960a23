import COpenSSL

/// Message digests and HMAC through OpenSSL 3's non-deprecated one-shot and EVP APIs.
///
/// libcrypto is opened on first use (`RuntimeLibraries`); the digest functions throw
/// `HTTPError` (code `.unavailable`) when it cannot be loaded.
public enum Digest {
    /// SHA-256 of `bytes` (`EVP_Digest` with `EVP_sha256`).
    public static func sha256(_ bytes: UnsafeRawBufferPointer) throws(HTTPError) -> [UInt8] {
        try RuntimeLibraries.loadCrypto()
        return evp(bytes, length: 32, swst_sha256)
    }

    public static func sha256<S: Collection<UInt8>>(_ bytes: S) throws(HTTPError) -> [UInt8] {
        try RuntimeLibraries.loadCrypto()
        return Array(bytes).withUnsafeBytes { evp($0, length: 32, swst_sha256) }
    }

    /// MD5 of `bytes`, as S3 wants in `Content-MD5` (`EVP_Digest` with `EVP_md5`).
    public static func md5<S: Collection<UInt8>>(_ bytes: S) throws(HTTPError) -> [UInt8] {
        try RuntimeLibraries.loadCrypto()
        return Array(bytes).withUnsafeBytes { evp($0, length: 16, swst_md5) }
    }

    /// One `EVP_Digest` call through `digest` (`swst_sha256` or `swst_md5`); libcrypto is loaded.
    private static func evp(
        _ bytes: UnsafeRawBufferPointer, length: Int,
        _ digest: (UnsafeRawPointer?, Int, UnsafeMutablePointer<UInt8>?, UnsafeMutablePointer<UInt32>?) -> Int32
    ) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var size: UInt32 = 0
        let ok = out.withUnsafeMutableBufferPointer { o in
            digest(bytes.baseAddress ?? UnsafeRawPointer(o.baseAddress), bytes.count, o.baseAddress, &size)
        }
        // EVP_Digest fails only on allocation failure or an unavailable algorithm (FIPS-only
        // providers refuse MD5); an all-zero digest then makes the server reject the request.
        if ok != 1 { return [UInt8](repeating: 0, count: length) }
        return Array(out.prefix(Int(size)))
    }

    /// HMAC-SHA256 of `message` under `key` (OpenSSL's one-shot `HMAC`).
    public static func hmacSHA256(key: [UInt8], message: [UInt8]) throws(HTTPError) -> [UInt8] {
        try RuntimeLibraries.loadCrypto()
        var out = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var size: UInt32 = 0
        key.withUnsafeBytes { k in
            message.withUnsafeBytes { m in
                out.withUnsafeMutableBufferPointer { o in
                    _ = swst_hmac_sha256(
                        k.baseAddress, Int32(k.count), m.baseAddress?.assumingMemoryBound(to: UInt8.self), m.count,
                        o.baseAddress, &size)
                }
            }
        }
        return Array(out.prefix(Int(size)))
    }

    public static func hmacSHA256(key: [UInt8], message: String) throws(HTTPError) -> [UInt8] {
        try hmacSHA256(key: key, message: Array(message.utf8))
    }

    /// Lowercase hex.
    public static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(bytes.count * 2)
        for b in bytes {
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 0xF)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Standard base64 with padding.
    public static func base64(_ bytes: [UInt8]) -> String {
        let table = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
        var out = [UInt8]()
        out.reserveCapacity((bytes.count + 2) / 3 * 4)
        var i = 0
        while i < bytes.count {
            let b0 = Int(bytes[i])
            let b1 = i + 1 < bytes.count ? Int(bytes[i + 1]) : 0
            let b2 = i + 2 < bytes.count ? Int(bytes[i + 2]) : 0
            out.append(table[b0 >> 2])
            out.append(table[((b0 & 3) << 4) | (b1 >> 4)])
            out.append(i + 1 < bytes.count ? table[((b1 & 0xF) << 2) | (b2 >> 6)] : UInt8(ascii: "="))
            out.append(i + 2 < bytes.count ? table[b2 & 0x3F] : UInt8(ascii: "="))
            i += 3
        }
        return String(decoding: out, as: UTF8.self)
    }
}
