import SwiftStream
import SwiftStreamHTTP
import Testing

/// AWS's published SigV4 test suite (aws-sig-v4-test-suite: AKIDEXAMPLE, us-east-1, service
/// "service", 20150830T123600Z) and the S3 GetObject example from the S3 SigV4 documentation.
@Suite struct SigV4SignerTests {
    static let credentials = AWSCredentials(
        accessKeyID: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
    // 2015-08-30T12:36:00Z
    static let date = Timestamp(seconds: 1_440_938_160)
    static let host = HTTPHeader("Host", "example.amazonaws.com")

    struct Vector: Sendable, CustomTestStringConvertible {
        var name: String
        var method: String
        var path: String
        var query: [(String, String)]
        var headers: [HTTPHeader]
        var signature: String
        var testDescription: String { name }
    }

    static let vectors: [Vector] = [
        Vector(
            name: "get-vanilla", method: "GET", path: "/", query: [], headers: [host],
            signature: "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"),
        Vector(
            name: "get-vanilla-empty-query-key", method: "GET", path: "/", query: [("Param1", "value1")],
            headers: [host],
            signature: "a67d582fa61cc504c4bae71f336f98b97f1ea3c7a6bfe1b6e45aec72011b9aeb"),
        Vector(
            name: "get-vanilla-query-order-key-case", method: "GET", path: "/",
            query: [("Param2", "value2"), ("Param1", "value1")], headers: [host],
            signature: "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500"),
        Vector(
            name: "get-vanilla-query-unreserved", method: "GET", path: "/",
            query: [
                (
                    "-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
                    "-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                )
            ], headers: [host],
            signature: "9c3e54bfcdf0b19771a7f523ee5669cdf59bc7cc0884027167c21bb143a40197"),
        Vector(
            name: "get-vanilla-utf8-query", method: "GET", path: "/", query: [("ሴ", "bar")], headers: [host],
            signature: "2cdec8eed098649ff3a119c94853b13c643bcf08f8b0a1d91e12c9027818dd04"),
        Vector(
            name: "get-utf8", method: "GET", path: SigV4Signer.uriEncode("/ሴ", encodeSlash: false), query: [],
            headers: [host], signature: "8318018e0b0f223aa2bbf98705b62bb787dc9c0e678f255a891fd03141be5d85"),
        Vector(
            name: "post-vanilla-query", method: "POST", path: "/", query: [("Param1", "value1")], headers: [host],
            signature: "28038455d6de14eafc1f9222cf5aa6f1a96197d7deb8263271d420d138af7f11"),
        Vector(
            name: "get-header-value-trim", method: "GET", path: "/", query: [],
            headers: [host, HTTPHeader("My-Header1", " value1"), HTTPHeader("My-Header2", " \"a   b   c\"")],
            signature: "acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736"),
    ]

    @Test(arguments: vectors)
    func signatureMatchesTestSuite(_ vector: Vector) throws {
        let signer = SigV4Signer(service: "service", region: "us-east-1")
        let result = try signer.sign(
            method: vector.method, canonicalPath: vector.path, query: vector.query, headers: vector.headers,
            payloadHash: SigV4Signer.emptyPayloadHash, credentials: Self.credentials, date: Self.date)
        #expect(result.signature == vector.signature)
        let auth = result.headers.first { $0.name == "authorization" }?.value
        #expect(
            auth
                == "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=\(result.signedHeaders), Signature=\(vector.signature)"
        )
        #expect(result.headers.first?.value == "20150830T123600Z")
    }

    @Test func getVanillaCanonicalRequestAndStringToSign() throws {
        let result = try SigV4Signer(service: "service", region: "us-east-1").sign(
            method: "GET", canonicalPath: "/", query: [], headers: [Self.host],
            payloadHash: SigV4Signer.emptyPayloadHash, credentials: Self.credentials, date: Self.date)
        #expect(
            result.canonicalRequest
                == "GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\n"
                + SigV4Signer.emptyPayloadHash)
        #expect(
            result.stringToSign
                == "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n"
                + "bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63")
    }

    /// docs.aws.amazon.com/AmazonS3/latest/API/sig-v4-header-based-auth.html, "GET Object".
    @Test func s3GetObjectDocumentationExample() throws {
        let credentials = AWSCredentials(
            accessKeyID: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
        let result = try SigV4Signer(service: "s3", region: "us-east-1").sign(
            method: "GET", canonicalPath: "/test.txt", query: [],
            headers: [
                HTTPHeader("Host", "examplebucket.s3.amazonaws.com"), HTTPHeader("Range", "bytes=0-9"),
                HTTPHeader("x-amz-content-sha256", SigV4Signer.emptyPayloadHash),
            ], payloadHash: SigV4Signer.emptyPayloadHash, credentials: credentials,
            date: Timestamp.parseRFC3339("2013-05-24T00:00:00Z") ?? .zero)
        #expect(result.signature == "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41")
        #expect(result.signedHeaders == "host;range;x-amz-content-sha256;x-amz-date")
    }

    @Test func sessionTokenIsSignedAndSent() throws {
        var credentials = Self.credentials
        credentials.sessionToken = "TOKEN/with+chars"
        let result = try SigV4Signer(service: "s3", region: "eu-west-1").sign(
            method: "GET", canonicalPath: "/", query: [], headers: [Self.host],
            payloadHash: SigV4Signer.emptyPayloadHash, credentials: credentials, date: Self.date)
        #expect(result.signedHeaders == "host;x-amz-date;x-amz-security-token")
        #expect(result.headers.contains(HTTPHeader("x-amz-security-token", "TOKEN/with+chars")))
        #expect(!credentials.description.contains("TOKEN"))
        #expect(!credentials.description.contains("EXAMPLEKEY"))
    }

    @Test func derivedSigningKeyMatchesDocumentation() throws {
        // docs.aws.amazon.com/general/latest/gr/signature-v4-examples.html (iam, 20120215).
        let key = try SigV4Signer.signingKey(
            secret: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", day: "20120215", region: "us-east-1", service: "iam")
        #expect(Digest.hex(key) == "f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d")
    }

    @Test func digestsAndEncodings() throws {
        #expect(
            Digest.hex(try Digest.sha256(Array("abc".utf8)))
                == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(Digest.base64(try Digest.md5(Array("".utf8))) == "1B2M2Y8AsgTpgAmY7PhCfg==")
        #expect(Digest.base64(Array("ab".utf8)) == "YWI=")
        #expect(Digest.base64(Array("abc".utf8)) == "YWJj")
        #expect(SigV4Signer.uriEncode("a b/c~*", encodeSlash: false) == "a%20b/c~%2A")
        #expect(SigV4Signer.uriEncode("a/b", encodeSlash: true) == "a%2Fb")
    }
}
