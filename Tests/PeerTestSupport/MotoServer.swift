#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif
import SwiftStream
import SwiftStreamHTTP
import SwiftStreamS3
import SwiftStreamSystem
import Synchronization

/// A `moto_server` on 127.0.0.1 with IAM authentication switched on.
///
/// How auth is enabled: moto checks SigV4 signatures and IAM policies once it has served
/// `INITIAL_NO_AUTH_ACTION_COUNT` actions (default: infinity, i.e. never). moto has no built-in
/// root credentials, so while auth is still off we create an IAM user, an access key and an
/// allow-all inline policy through moto's IAM API, then `POST /moto-api/reset-auth` with body
/// `0`, which sets the count to 0 and resets the counter: every later request must carry a valid
/// signature from a known key (wrong secrets get `SignatureDoesNotMatch`, unknown keys
/// `InvalidAccessKeyId`, both 403). Unsigned STS `AssumeRoleWithWebIdentity` needs auth off, so
/// web-identity tests use their own server and switch auth on after assuming the role.
public final class MotoServer: Sendable {
    public let process: PeerProcess
    public let port: Int
    /// The IAM user every test signs with (allow-all policy).
    public let admin: AWSCredentials
    public let http = HTTPClient()

    public var endpoint: String { "http://127.0.0.1:\(port)" }

    private init(process: PeerProcess, port: Int, admin: AWSCredentials) {
        self.process = process
        self.port = port
        self.admin = admin
    }

    /// Starts a server; `auth` switches IAM authentication on before returning.
    public static func start(auth: Bool = true) async throws -> MotoServer {
        let binary = try PeerBinaries.motoServer()
        let port = try Loopback.freePort()
        var environment = ProcessEnvironment.current
        environment["MOTO_ALLOW_NONEXISTENT_REGION"] = "true"
        let process = try PeerProcess(
            executable: binary, arguments: ["-H", "127.0.0.1", "-p", String(port)], environment: environment,
            logPath: "/tmp/swiftstream-moto-\(port).log")
        let bootstrap = MotoServer(
            process: process, port: port, admin: AWSCredentials(accessKeyID: "bootstrap", secretAccessKey: "bootstrap"))
        guard await Loopback.waitForListener(port: port, seconds: 30) else {
            process.kill()
            throw SwiftStreamError(.io, "moto_server did not start on port \(port): \(process.log)")
        }
        do {
            try await waitUntil("moto_server on port \(port) answers HTTP", every: .milliseconds(100)) {
                let response = try? await bootstrap.http.execute(
                    HTTPRequest(method: "GET", url: bootstrap.endpoint + "/moto-api/"))
                return response.map { $0.status < 500 } ?? false
            }
            let user = "admin"
            _ = try await bootstrap.iam(["Action": "CreateUser", "UserName": user])
            let key = try await bootstrap.iam(["Action": "CreateAccessKey", "UserName": user])
            guard let accessKey = key.first("AccessKey"), let id = accessKey.value("AccessKeyId"),
                let secret = accessKey.value("SecretAccessKey")
            else { throw SwiftStreamError(.io, "moto CreateAccessKey: unexpected response") }
            _ = try await bootstrap.iam([
                "Action": "PutUserPolicy", "UserName": user, "PolicyName": "all",
                "PolicyDocument": MotoServer.allowAll,
            ])
            let server = MotoServer(
                process: process, port: port, admin: AWSCredentials(accessKeyID: id, secretAccessKey: secret))
            if auth { try await server.setAuth(enabled: true) }
            return server
        } catch {
            process.kill()
            throw error
        }
    }

    public static let allowAll =
        #"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#

    public func stop() { process.kill() }

    /// `POST /moto-api/reset-auth` with 0 (every request authenticated) or infinity (none).
    public func setAuth(enabled: Bool) async throws {
        let body = Array((enabled ? "0" : "inf").utf8)
        let response = try await http.execute(
            HTTPRequest(method: "POST", url: endpoint + "/moto-api/reset-auth", body: .bytes(body)))
        guard response.status == 200 else { throw SwiftStreamError(.io, "moto reset-auth: HTTP \(response.status)") }
    }

    /// A signed IAM/STS Query API call; returns the parsed response document.
    public func iam(_ parameters: [String: String], service: String = "iam", credentials: AWSCredentials? = nil)
        async throws
        -> MotoXML
    {
        var all = parameters
        all["Version"] = service == "iam" ? "2010-05-08" : "2011-06-15"
        let form = all.sorted { $0.key < $1.key }.map {
            "\(SigV4Signer.uriEncode($0.key, encodeSlash: true))=\(SigV4Signer.uriEncode($0.value, encodeSlash: true))"
        }.joined(separator: "&")
        let response = try await signed(
            method: "POST", path: "/", body: Array(form.utf8), service: service,
            headers: [HTTPHeader("content-type", "application/x-www-form-urlencoded")],
            credentials: credentials ?? admin)
        guard response.status == 200 else {
            throw SwiftStreamError(
                .io,
                "moto \(parameters["Action"] ?? ""): HTTP \(response.status) \(String(decoding: response.body, as: UTF8.self))"
            )
        }
        return MotoXML(body: response.body)
    }

    /// Creates a bucket (signed by the admin user).
    public func createBucket(_ name: String) async throws {
        let response = try await signed(
            method: "PUT", path: "/" + name, body: [], service: "s3", headers: [], credentials: admin)
        guard response.status == 200 else {
            throw SwiftStreamError(.io, "moto CreateBucket \(name): HTTP \(response.status)")
        }
    }

    public func signed(
        method: String, path: String, body: [UInt8], service: String, headers: [HTTPHeader], credentials: AWSCredentials
    ) async throws -> HTTPResponse {
        let hash = Digest.hex(try Digest.sha256(body))
        let all = headers + [HTTPHeader("host", "127.0.0.1:\(port)"), HTTPHeader("x-amz-content-sha256", hash)]
        let signature = try SigV4Signer(service: service, region: "us-east-1").sign(
            method: method, canonicalPath: path, query: [], headers: all, payloadHash: hash, credentials: credentials,
            date: Timestamp.now())
        return try await http.execute(
            HTTPRequest(
                method: method, url: endpoint + path, headers: all.filter { $0.name != "host" } + signature.headers,
                body: .bytes(body)))
    }

    // MARK: Shared instance

    /// One authenticated server shared by the tests of this process, killed at exit.
    public static func shared() async throws -> MotoServer { try await SharedMoto.instance.get() }

    /// A unique bucket on the shared server.
    public static func freshBucket(_ label: String) async throws -> (MotoServer, String) {
        let moto = try await shared()
        let bucket = "\(label)-\(String(UInt64.random(in: 0...UInt64.max), radix: 36))".lowercased()
        try await moto.createBucket(bucket)
        return (moto, bucket)
    }
}

/// A parsed moto response (wraps the library's XML element for test convenience).
public struct MotoXML: Sendable {
    public let root: SwiftStreamS3.XMLElement?
    public init(body: [UInt8]) { root = try? SwiftStreamS3.XMLElement.parse(body) }
    public func first(_ name: String) -> SwiftStreamS3.XMLElement? { root?.first(name) }
}

private let sharedMotoPID = Atomic<Int32>(0)

private actor SharedMoto {
    static let instance = SharedMoto()
    private var server: MotoServer?
    private var starting = false

    func get() async throws -> MotoServer {
        try await waitUntil("the shared moto_server started by another test", timeout: .seconds(120)) { !starting }
        if let server { return server }
        starting = true
        defer { starting = false }
        let started = try await MotoServer.start(auth: true)
        server = started
        sharedMotoPID.store(started.process.pid, ordering: .relaxed)
        atexit {
            let pid = sharedMotoPID.load(ordering: .relaxed)
            if pid > 0 { _ = kill(pid, SIGKILL) }
        }
        return started
    }
}
