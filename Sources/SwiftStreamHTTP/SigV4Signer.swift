import SwiftStream

/// Signs requests with AWS Signature Version 4 (header form).
///
/// The caller passes the canonical (already percent-encoded) path, the raw query items, the
/// headers to sign (which must include `host`) and the payload hash; `sign` returns the headers
/// to add: `x-amz-date`, `x-amz-security-token` (temporary credentials) and `authorization`.
/// - SeeAlso: https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html
public struct SigV4Signer: Sendable {
    public var service: String
    public var region: String

    /// SHA-256 of the empty string, the payload hash of a bodyless request.
    public static let emptyPayloadHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    /// Payload hash for bodies that are not hashed (streamed uploads).
    public static let unsignedPayload = "UNSIGNED-PAYLOAD"

    public init(service: String, region: String) {
        self.service = service
        self.region = region
    }

    /// The pieces of one signature, exposed for tests and debugging (holds no secret).
    public struct Signature: Sendable {
        public var canonicalRequest: String
        public var stringToSign: String
        public var signature: String
        public var signedHeaders: String
        /// Headers to add to the request, `authorization` last.
        public var headers: [HTTPHeader]
    }

    /// Signs one request at `date`. Throws only when libcrypto cannot be loaded.
    public func sign(
        method: String, canonicalPath: String, query: [(String, String)], headers: [HTTPHeader],
        payloadHash: String, credentials: AWSCredentials, date: Timestamp
    ) throws(HTTPError) -> Signature {
        let amzDate = SigV4Signer.amzDate(date)
        let day = String(amzDate.prefix(8))
        var toSign = headers
        toSign.append(HTTPHeader("x-amz-date", amzDate))
        var added = [HTTPHeader("x-amz-date", amzDate)]
        if let token = credentials.sessionToken, !token.isEmpty {
            toSign.append(HTTPHeader("x-amz-security-token", token))
            added.append(HTTPHeader("x-amz-security-token", token))
        }
        // Canonical headers: lowercase names, values trimmed with inner runs of spaces collapsed,
        // sorted by name; repeated names are joined with commas in their original order.
        var merged: [String: [String]] = [:]
        for header in toSign {
            merged[header.name.lowercased(), default: []].append(SigV4Signer.trimAll(header.value))
        }
        let names = merged.keys.sorted()
        let canonicalHeaders = names.map { "\($0):\(merged[$0, default: []].joined(separator: ","))\n" }.joined()
        let signedHeaders = names.joined(separator: ";")
        let canonicalQuery = SigV4Signer.canonicalQuery(query)
        let canonicalRequest = [
            method, canonicalPath, canonicalQuery, canonicalHeaders, signedHeaders, payloadHash,
        ].joined(separator: "\n")
        let scope = "\(day)/\(region)/\(service)/aws4_request"
        let stringToSign = [
            "AWS4-HMAC-SHA256", amzDate, scope, Digest.hex(try Digest.sha256(Array(canonicalRequest.utf8))),
        ].joined(separator: "\n")
        let key = try SigV4Signer.signingKey(
            secret: credentials.secretAccessKey, day: day, region: region, service: service)
        let signature = Digest.hex(try Digest.hmacSHA256(key: key, message: stringToSign))
        added.append(
            HTTPHeader(
                "authorization",
                "AWS4-HMAC-SHA256 Credential=\(credentials.accessKeyID)/\(scope), SignedHeaders=\(signedHeaders), Signature=\(signature)"
            ))
        return Signature(
            canonicalRequest: canonicalRequest, stringToSign: stringToSign, signature: signature,
            signedHeaders: signedHeaders, headers: added)
    }

    /// `kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, day), region), service), "aws4_request")`.
    public static func signingKey(
        secret: String, day: String, region: String, service: String
    ) throws(HTTPError) -> [UInt8] {
        let kDate = try Digest.hmacSHA256(key: Array("AWS4\(secret)".utf8), message: day)
        let kRegion = try Digest.hmacSHA256(key: kDate, message: region)
        let kService = try Digest.hmacSHA256(key: kRegion, message: service)
        return try Digest.hmacSHA256(key: kService, message: "aws4_request")
    }

    /// `YYYYMMDDTHHMMSSZ` in UTC.
    public static func amzDate(_ date: Timestamp) -> String {
        let rfc = date.rfc3339  // 2015-08-30T12:36:00Z
        return rfc.filter { $0 != "-" && $0 != ":" }
    }

    /// Sorted `key=value` pairs, each side encoded with `uriEncode` (slash encoded too).
    public static func canonicalQuery(_ query: [(String, String)]) -> String {
        query.map { (uriEncode($0.0, encodeSlash: true), uriEncode($0.1, encodeSlash: true)) }
            .sorted { $0.0 == $1.0 ? $0.1 < $1.1 : $0.0 < $1.0 }
            .map { "\($0.0)=\($0.1)" }
            .joined(separator: "&")
    }

    /// AWS URI encoding: every byte except `A-Z a-z 0-9 - . _ ~` (and `/` unless `encodeSlash`)
    /// becomes `%XX` with uppercase hex.
    public static func uriEncode(_ text: String, encodeSlash: Bool) -> String {
        let hex = Array("0123456789ABCDEF".utf8)
        var out = [UInt8]()
        for b in text.utf8 {
            switch b {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
                UInt8(ascii: "~"):
                out.append(b)
            case UInt8(ascii: "/") where !encodeSlash:
                out.append(b)
            default:
                out.append(UInt8(ascii: "%"))
                out.append(hex[Int(b >> 4)])
                out.append(hex[Int(b & 0xF)])
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Trims leading/trailing whitespace and collapses inner runs of spaces to one.
    static func trimAll(_ value: String) -> String {
        value.split(whereSeparator: { $0 == " " || $0 == "\t" }).joined(separator: " ")
    }
}
