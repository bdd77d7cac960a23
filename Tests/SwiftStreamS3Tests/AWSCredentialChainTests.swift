#if canImport(Glibc)
    import Glibc
#endif
import PeerTestSupport
import SwiftStream
import SwiftStreamHTTP
import SwiftStreamSystem
import Synchronization
import Testing
@testable import SwiftStreamS3

@Suite(.timeLimit(.minutes(3))) struct AWSCredentialChainTests {
    // swift-format-ignore: NeverForceUnwrap
    // A literal of 16 lowercase hex digits is a valid generation.
    static let g = Generation("00000000000000aa")!

    func chain(_ env: [String: String], id: String = "", secret: String = "") -> AWSCredentialChain {
        AWSCredentialChain(
            accessKeyID: id, secretAccessKey: secret, environment: isolatedEnvironment.merging(env) { $1 },
            http: HTTPClient(),
            logger: testLogger)
    }

    @Test func precedenceFollowsLitestream() async throws {
        let env = ["AWS_ACCESS_KEY_ID": "env-id", "AWS_SECRET_ACCESS_KEY": "env-secret", "AWS_SESSION_TOKEN": "tok"]
        // Either static value set → static credentials with exactly those values, no token.
        let onlyID = try await chain(env, id: "cfg-id").credentials()
        #expect(onlyID == AWSCredentials(accessKeyID: "cfg-id", secretAccessKey: ""))
        #expect(await chain(env, id: "cfg-id").currentSource == nil)
        let fromEnv = chain(env)
        #expect(
            try await fromEnv.credentials()
                == AWSCredentials(accessKeyID: "env-id", secretAccessKey: "env-secret", sessionToken: "tok"))
        #expect(await fromEnv.currentSource == .environment)
        // Aliases, and LITESTREAM_* only where the AWS variable is unset.
        #expect(
            try await chain(["AWS_ACCESS_KEY": "a", "AWS_SECRET_KEY": "b", "LITESTREAM_ACCESS_KEY_ID": "x"])
                .credentials()
                == AWSCredentials(accessKeyID: "a", secretAccessKey: "b"))
        #expect(
            try await chain([
                "AWS_ACCESS_KEY_ID": "a", "LITESTREAM_ACCESS_KEY_ID": "x", "LITESTREAM_SECRET_ACCESS_KEY": "y",
            ])
            .credentials() == AWSCredentials(accessKeyID: "a", secretAccessKey: "y"))
        // Nothing configured (and instance metadata off) → an actionable error.
        await #expect { _ = try await chain([:]).credentials() } throws: {
            "\($0)".contains("no AWS credentials found")
        }
    }

    @Test func sharedCredentialsFileWithProfile() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let file = dir.path + "/credentials"
        try writeFile(
            file,
            """
            # comment
            [default]
            aws_access_key_id = default-id
            aws_secret_access_key = default-secret

            [backup]
            aws_access_key_id=backup-id ; inline comment
            aws_secret_access_key=backup-secret
            aws_session_token = backup-token
            """)
        let byDefault = chain(["AWS_SHARED_CREDENTIALS_FILE": file])
        #expect(
            try await byDefault.credentials()
                == AWSCredentials(accessKeyID: "default-id", secretAccessKey: "default-secret"))
        #expect(await byDefault.currentSource == .sharedFile)
        #expect(
            try await chain(["AWS_SHARED_CREDENTIALS_FILE": file, "AWS_PROFILE": "backup"]).credentials()
                == AWSCredentials(
                    accessKeyID: "backup-id", secretAccessKey: "backup-secret", sessionToken: "backup-token"))
        // ~/.aws/credentials through HOME.
        try FileIO.makeDirectories(dir.path + "/.aws")
        try writeFile(dir.path + "/.aws/credentials", "[default]\naws_access_key_id=h\naws_secret_access_key=s\n")
        #expect(try await chain(["HOME": dir.path]).credentials().accessKeyID == "h")
        // The environment wins over the file.
        #expect(
            try await chain([
                "AWS_SHARED_CREDENTIALS_FILE": file, "AWS_ACCESS_KEY_ID": "e", "AWS_SECRET_ACCESS_KEY": "s",
            ])
            .credentials().accessKeyID == "e")
    }

    @Test func environmentAndFileCredentialsWorkAgainstMoto() async throws {
        let (moto, bucket) = try await MotoServer.freshBucket("creds")
        let env = ["AWS_ACCESS_KEY_ID": moto.admin.accessKeyID, "AWS_SECRET_ACCESS_KEY": moto.admin.secretAccessKey]
        let viaEnv = makeClient(
            endpoint: moto.endpoint, bucket: bucket, credentials: nil,
            environment: isolatedEnvironment.merging(env) { $1 })
        try await viaEnv.writeSnapshot(Self.g, index: 0, bytes: [1])
        #expect(await viaEnv.credentials.currentSource == .environment)

        let viaLitestreamEnv = makeClient(
            endpoint: moto.endpoint, bucket: bucket, credentials: nil,
            environment: isolatedEnvironment.merging([
                "LITESTREAM_ACCESS_KEY_ID": moto.admin.accessKeyID,
                "LITESTREAM_SECRET_ACCESS_KEY": moto.admin.secretAccessKey,
            ]) { $1 })
        #expect(try await viaLitestreamEnv.generations() == [Self.g])

        // AWS_* beats LITESTREAM_*: a wrong AWS secret is used, and rejected.
        let shadowed = makeClient(
            endpoint: moto.endpoint, bucket: bucket, credentials: nil,
            environment: isolatedEnvironment.merging([
                "AWS_ACCESS_KEY_ID": moto.admin.accessKeyID, "AWS_SECRET_ACCESS_KEY": "wrong",
                "LITESTREAM_ACCESS_KEY_ID": moto.admin.accessKeyID,
                "LITESTREAM_SECRET_ACCESS_KEY": moto.admin.secretAccessKey,
            ]) { $1 })
        await #expect { _ = try await shadowed.generations() } throws: { "\($0)".contains("403 SignatureDoesNotMatch") }

        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try writeFile(
            dir.path + "/creds",
            "[default]\naws_access_key_id=nope\naws_secret_access_key=nope\n[replica]\naws_access_key_id=\(moto.admin.accessKeyID)\naws_secret_access_key=\(moto.admin.secretAccessKey)\n"
        )
        let viaFile = makeClient(
            endpoint: moto.endpoint, bucket: bucket, credentials: nil,
            environment: isolatedEnvironment.merging([
                "AWS_SHARED_CREDENTIALS_FILE": dir.path + "/creds", "AWS_PROFILE": "replica",
            ]) {
                $1
            })
        #expect(try await viaFile.generations() == [Self.g])
        #expect(await viaFile.credentials.currentSource == .sharedFile)
    }

    @Test func containerCredentialsExpireAndRefresh() async throws {
        let (moto, bucket) = try await MotoServer.freshBucket("ecs")
        let fetches = Atomic<Int>(0)
        let admin = moto.admin
        // The chain's clock (injected, so expiry needs no waiting): starts now, moved on below.
        let clock = Mutex(Timestamp.now())
        let server = try LoopbackHTTPServer { request in
            guard request.header("Authorization") == "Bearer ecs-token", request.path == "/v2/credentials/abc" else {
                return .respond(RawHTTPResponse(status: 403, text: "{}", contentType: "application/json"))
            }
            fetches.add(1, ordering: .relaxed)
            // Valid for 5 minutes and 2 seconds: inside the refresh window 2 seconds from now. No
            // "Token": moto refuses session tokens with IAM-user (AKIA) keys.
            let expiry = Timestamp(seconds: clock.withLock { $0.seconds } + 302).rfc3339
            return .respond(
                RawHTTPResponse(
                    status: 200,
                    text:
                        #"{"AccessKeyId":"\#(admin.accessKeyID)","SecretAccessKey":"\#(admin.secretAccessKey)","Expiration":"\#(expiry)","RoleArn":"arn:aws:iam::123456789012:role/x"}"#,
                    contentType: "application/json"))
        }
        defer { server.stop() }
        let http = HTTPClient()
        let chain = AWSCredentialChain(
            accessKeyID: "", secretAccessKey: "",
            environment: isolatedEnvironment.merging([
                "AWS_CONTAINER_CREDENTIALS_FULL_URI": server.url + "/v2/credentials/abc",
                "AWS_CONTAINER_AUTHORIZATION_TOKEN": "Bearer ecs-token",
            ]) { $1 }, http: http, logger: testLogger, now: { clock.withLock { $0 } })
        // Signed S3 calls through the chain (what S3ReplicaClient does), against moto with auth on.
        let connection = S3Connection(
            bucket: bucket, endpoint: moto.endpoint, forcePathStyle: true, region: "us-east-1",
            retry: S3RetryPolicy(), http: http, credentials: chain, location: "s3://\(bucket)", logger: testLogger)
        let list = S3Call(operation: "ListObjectsV2", method: "GET", key: nil, query: [("list-type", "2")])
        #expect(try await connection.perform(list).status == 200)
        #expect(try await connection.perform(list).status == 200)
        #expect(fetches.load(ordering: .relaxed) == 1)
        #expect(await chain.currentSource == .container)
        clock.withLock { $0 = Timestamp(seconds: $0.seconds + 3, nanoseconds: $0.nanosecond) }
        #expect(try await connection.perform(list).status == 200)
        #expect(fetches.load(ordering: .relaxed) == 2)
    }

    @Test func instanceMetadataIMDSv2() async throws {
        let server = try LoopbackHTTPServer { request in
            switch (request.method, request.path) {
            case ("PUT", "/latest/api/token"):
                guard request.header("X-aws-ec2-metadata-token-ttl-seconds") != nil else {
                    return .respond(RawHTTPResponse(status: 400))
                }
                return .respond(RawHTTPResponse(status: 200, text: "imds-token", contentType: "text/plain"))
            case ("GET", _) where request.header("X-aws-ec2-metadata-token") != "imds-token":
                return .respond(RawHTTPResponse(status: 401))
            case ("GET", "/latest/meta-data/iam/security-credentials/"):
                return .respond(RawHTTPResponse(status: 200, text: "my-role\n", contentType: "text/plain"))
            case ("GET", "/latest/meta-data/iam/security-credentials/my-role"):
                return .respond(
                    RawHTTPResponse(
                        status: 200,
                        text:
                            #"{"Code":"Success","AccessKeyId":"ASIAIMDS","SecretAccessKey":"s3cr3t","Token":"tok","Expiration":"2099-01-01T00:00:00Z"}"#,
                        contentType: "application/json"))
            default:
                return .respond(RawHTTPResponse(status: 404))
            }
        }
        defer { server.stop() }
        let chain = AWSCredentialChain(
            accessKeyID: "", secretAccessKey: "",
            environment: ["HOME": "/nonexistent", "AWS_EC2_METADATA_SERVICE_ENDPOINT": server.url],
            http: HTTPClient(), logger: testLogger)
        let credentials = try await chain.credentials()
        #expect(credentials.accessKeyID == "ASIAIMDS")
        #expect(credentials.sessionToken == "tok")
        #expect(credentials.expiration == Timestamp.parseRFC3339("2099-01-01T00:00:00Z"))
        #expect(await chain.currentSource == .instanceMetadata)
    }

    /// After `ExpiredToken` the shared credentials file is read again: a tool that rotates it
    /// (aws sso, a sidecar) has written new keys, and the retry is signed with them.
    @Test func sharedFileIsReadAgainAfterExpiredToken() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let file = dir.path + "/credentials"
        try writeFile(file, "[default]\naws_access_key_id=KEYA\naws_secret_access_key=a\naws_session_token=ta\n")
        let signedWith = Mutex<[String]>([])
        let server = try LoopbackHTTPServer { request in
            let auth = request.header("Authorization") ?? ""
            let key = auth.firstRange(of: "Credential=").map { String(auth[$0.upperBound...].prefix { $0 != "/" }) }
            let count = signedWith.withLock {
                $0.append(key ?? "?")
                return $0.count
            }
            if count == 1 {
                // The answer arrives after the file was rotated (by whoever rotates it).
                try? writeFile(
                    file, "[default]\naws_access_key_id=KEYB\naws_secret_access_key=b\naws_session_token=tb\n")
                return .respond(
                    RawHTTPResponse(
                        status: 400,
                        text:
                            "<Error><Code>ExpiredToken</Code><Message>The provided token has expired.</Message></Error>"
                    ))
            }
            return .respond(RawHTTPResponse(status: 200, text: "<ListBucketResult></ListBucketResult>"))
        }
        defer { server.stop() }
        let client = makeClient(
            endpoint: server.url, bucket: "bkt", credentials: nil,
            environment: isolatedEnvironment.merging(["AWS_SHARED_CREDENTIALS_FILE": file]) { $1 }
        ) { $0.retry = S3RetryPolicy(maxAttempts: 3, baseDelayMilliseconds: 1, maxDelayMilliseconds: 5) }
        #expect(try await client.generations().isEmpty)
        #expect(signedWith.withLock { $0 } == ["KEYA", "KEYB"])
    }

    @Test func webIdentityThroughSTS() async throws {
        // Its own server: the unsigned AssumeRoleWithWebIdentity call needs auth off.
        let moto = try await MotoServer.start(auth: false)
        defer { moto.stop() }
        try await moto.createBucket("webid")
        let trust =
            #"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":"accounts.example.com"},"Action":"sts:AssumeRoleWithWebIdentity"}]}"#
        let role = try await moto.iam([
            "Action": "CreateRole", "RoleName": "replica", "AssumeRolePolicyDocument": trust,
        ])
        let arn = try #require(role.first("Arn")?.text)
        _ = try await moto.iam([
            "Action": "PutRolePolicy", "RoleName": "replica", "PolicyName": "s3", "PolicyDocument": MotoServer.allowAll,
        ])
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try writeFile(dir.path + "/token", "eyJhbGciOiJSUzI1NiJ9.e30.sig\n")
        let proxy = try FaultProxy(upstreamPort: moto.port)
        defer { proxy.stop() }
        let client = makeClient(
            endpoint: proxy.url, bucket: "webid", credentials: nil,
            environment: isolatedEnvironment.merging([
                "AWS_WEB_IDENTITY_TOKEN_FILE": dir.path + "/token", "AWS_ROLE_ARN": arn,
                "AWS_ROLE_SESSION_NAME": "swiftstream-test", "AWS_ENDPOINT_URL_STS": moto.endpoint,
            ]) { $1 })
        let credentials = try await client.credentials.credentials()
        #expect(await client.credentials.currentSource == .webIdentity)
        #expect(credentials.sessionToken != nil)
        #expect(credentials.expiration != nil)
        // From here on moto checks every signature against the assumed role's keys and token.
        try await moto.setAuth(enabled: true)
        try await client.writeSnapshot(Self.g, index: 0, bytes: [1, 2])
        #expect(try await client.snapshots(in: Self.g).map(\.size) == [2])
        #expect(proxy.requests.allSatisfy { $0.header("X-Amz-Security-Token") == credentials.sessionToken })
        #expect(
            proxy.requests.allSatisfy {
                $0.header("Authorization")?.contains("Credential=\(credentials.accessKeyID)/") == true
            })
        // Without the token the same keys are refused.
        var stripped = credentials
        stripped.sessionToken = nil
        let noToken = makeClient(endpoint: moto.endpoint, bucket: "webid", credentials: stripped)
        await #expect { _ = try await noToken.generations() } throws: { "\($0)".contains("403") }
    }
}
