/// The `<Error>` document S3 (and STS/IAM, wrapped in `<ErrorResponse>`) returns on failure.
public struct S3ErrorResponse: Sendable, Equatable {
    /// The error code, e.g. `AccessDenied`, `NoSuchKey`, `SignatureDoesNotMatch`.
    public var code: String
    public var message: String
    public var requestID: String?

    public init(code: String, message: String, requestID: String? = nil) {
        self.code = code
        self.message = message
        self.requestID = requestID
    }

    /// Parses an error body; nil when it is not an error document (e.g. empty HEAD responses).
    public init?(body: [UInt8]) {
        guard !body.isEmpty, let root = try? XMLElement.parse(body), let error = root.first("Error"),
            let code = error.value("Code"), !code.isEmpty
        else { return nil }
        self.code = code
        self.message = error.value("Message") ?? ""
        self.requestID = error.value("RequestId") ?? root.value("RequestId")
    }

    /// What to check for common codes, appended to error messages.
    public static func hint(for code: String) -> String? {
        switch code {
        case "AccessDenied", "AllAccessDisabled":
            "check the credentials and the bucket policy"
        case "InvalidAccessKeyId":
            "check access-key-id (or AWS_ACCESS_KEY_ID / the credentials file)"
        case "SignatureDoesNotMatch":
            "check secret-access-key (or AWS_SECRET_ACCESS_KEY) and that the endpoint does not rewrite requests"
        case "NoSuchBucket":
            "check the bucket name, endpoint and region"
        case "ExpiredToken", "InvalidToken", "TokenRefreshRequired":
            "the session token is invalid or expired; refresh the credentials"
        case "PermanentRedirect", "AuthorizationHeaderMalformed", "IllegalLocationConstraintException":
            "check the region (set `region` explicitly)"
        case "RequestTimeTooSkewed":
            "check the system clock"
        default:
            nil
        }
    }
}
