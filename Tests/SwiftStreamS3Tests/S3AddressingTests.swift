import PeerTestSupport
import SwiftStream
import SwiftStreamHTTP
import Testing
@testable import SwiftStreamS3

@Suite struct S3AddressingTests {
    func connection(
        bucket: String = "bkt", endpoint: String = "", pathStyle: Bool = false, region: String = "",
        awsEndpointOverride: String? = nil
    ) -> S3Connection {
        let http = HTTPClient()
        return S3Connection(
            bucket: bucket, endpoint: endpoint, forcePathStyle: pathStyle, region: region, retry: S3RetryPolicy(),
            http: http,
            credentials: AWSCredentialChain(
                accessKeyID: "a", secretAccessKey: "b", environment: [:], http: http, logger: testLogger),
            location: "s3://\(bucket)", logger: testLogger, awsEndpointOverride: awsEndpointOverride)
    }

    @Test func awsVirtualHostedAndPathStyle() {
        let virtual = connection().address(key: "db/generations/x", query: [], region: "eu-west-1")
        #expect(virtual.url == "https://bkt.s3.eu-west-1.amazonaws.com/db/generations/x")
        #expect(virtual.canonicalPath == "/db/generations/x")
        #expect(
            connection().address(key: nil, query: [("location", "")], region: "us-east-1").url
                == "https://bkt.s3.amazonaws.com/?location")
        let path = connection(pathStyle: true).address(key: "/db/k", query: [], region: "us-east-1")
        #expect(path.url == "https://s3.amazonaws.com/bkt//db/k")
        #expect(path.canonicalPath == "/bkt//db/k")
        // Dotted buckets cannot be virtual-hosted over TLS.
        #expect(
            connection(bucket: "my.bkt").address(key: "k", query: [], region: "us-east-1").url
                == "https://s3.amazonaws.com/my.bkt/k")
    }

    @Test func customEndpoints() {
        #expect(
            connection(endpoint: "http://127.0.0.1:9000", pathStyle: true)
                .address(key: "a b", query: [("list-type", "2"), ("prefix", "p/q")], region: "us-east-1").url
                == "http://127.0.0.1:9000/bkt/a%20b?list-type=2&prefix=p%2Fq")
        #expect(
            connection(endpoint: "minio.example.com:9000").address(key: "k", query: [], region: "us-east-1").url
                == "https://bkt.minio.example.com:9000/k")
        #expect(
            connection(endpoint: "https://gw.example.com/s3/", pathStyle: true).address(
                key: "k", query: [], region: "x"
            ).url
                == "https://gw.example.com/s3/bkt/k")
    }

    @Test func regionRules() async throws {
        #expect(try await connection(region: "eu-central-1").region() == "eu-central-1")
        // An endpoint without a region signs for us-east-1, with no lookup.
        #expect(try await connection(endpoint: "http://127.0.0.1:1").region() == "us-east-1")
    }

    @Test(arguments: [("", "us-east-1"), ("EU", "eu-west-1"), ("eu-west-2", "eu-west-2")])
    func regionDiscoveryAsksGetBucketLocationInUSEast1(answer: String, expected: String) async throws {
        let server = try LoopbackHTTPServer { request in
            let scope = request.header("Authorization") ?? ""
            if request.target == "/bkt?location" {
                guard scope.contains("/us-east-1/s3/aws4_request") else {
                    return .respond(RawHTTPResponse(status: 400))
                }
                return .respond(
                    RawHTTPResponse(
                        status: 200,
                        text:
                            #"<?xml version="1.0" encoding="UTF-8"?><LocationConstraint xmlns="http://s3.amazonaws.com/doc/2006-03-01/">\#(answer)</LocationConstraint>"#
                    ))
            }
            guard scope.contains("/\(expected)/s3/aws4_request") else { return .respond(RawHTTPResponse(status: 400)) }
            return .respond(
                RawHTTPResponse(
                    status: 200, text: "<ListBucketResult><IsTruncated>false</IsTruncated></ListBucketResult>"))
        }
        defer { server.stop() }
        // The override stands in for the AWS endpoint on loopback (path style).
        let connection = connection(bucket: "bkt", pathStyle: true, awsEndpointOverride: server.url)
        #expect(try await connection.region() == expected)
        let response = try await connection.perform(
            S3Call(operation: "ListObjectsV2", method: "GET", key: nil, query: [("list-type", "2")]))
        #expect(response.status == 200)
    }

    @Test func regionLookupFailureIsExplained() async throws {
        let server = try LoopbackHTTPServer { _ in
            .respond(
                RawHTTPResponse(status: 403, text: "<Error><Code>AccessDenied</Code><Message>no</Message></Error>"))
        }
        defer { server.stop() }
        await #expect {
            _ = try await connection(pathStyle: true, awsEndpointOverride: server.url).region()
        } throws: {
            "\($0)".hasPrefix("cannot lookup bucket region: s3://bkt: 403 AccessDenied on GetBucketLocation")
        }
    }

    @Test func retryClassificationAndBackoff() {
        #expect(S3Connection.isRetryable(status: 503, code: "SlowDown"))
        #expect(S3Connection.isRetryable(status: 429, code: nil))
        #expect(S3Connection.isRetryable(status: 400, code: "RequestTimeout"))
        #expect(!S3Connection.isRetryable(status: 403, code: "AccessDenied"))
        #expect(!S3Connection.isRetryable(status: 404, code: "NoSuchBucket"))
        let policy = S3RetryPolicy(maxAttempts: 8, baseDelayMilliseconds: 100, maxDelayMilliseconds: 5_000)
        for n in 1...12 {
            let cap = min(5_000, 100 << (n - 1))
            #expect(policy.delayNanoseconds(beforeRetry: n) <= UInt64(cap) * 1_000_000)
        }
    }
}
