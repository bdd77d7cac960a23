import SwiftStream
import SwiftStreamS3
import Testing

@Suite struct S3KeysTests {
    // swift-format-ignore: NeverForceUnwrap
    // A literal of 16 lowercase hex digits is a valid generation.
    static let generation = Generation("5efbd8d042012dca")!

    @Test(arguments: [
        ("", "generations/5efbd8d042012dca/snapshots/00000000.snapshot.lz4"),
        ("db", "db/generations/5efbd8d042012dca/snapshots/00000000.snapshot.lz4"),
        ("db/", "db/generations/5efbd8d042012dca/snapshots/00000000.snapshot.lz4"),
        ("a//b/./c", "a/b/c/generations/5efbd8d042012dca/snapshots/00000000.snapshot.lz4"),
        // The config-path quirk: a leading slash stays in the key.
        ("/db", "/db/generations/5efbd8d042012dca/snapshots/00000000.snapshot.lz4"),
        ("/", "/generations/5efbd8d042012dca/snapshots/00000000.snapshot.lz4"),
        ("x/../y", "y/generations/5efbd8d042012dca/snapshots/00000000.snapshot.lz4"),
    ])
    func snapshotKeysFollowGoPathJoin(root: String, expected: String) {
        #expect(S3Keys(root: root).snapshot(Self.generation, index: 0) == expected)
    }

    @Test func prefixesMatchLitestream() {
        let keys = S3Keys(root: "backups/app")
        #expect(keys.generationsPrefix == "backups/app/generations/")
        #expect(keys.generationPrefix(Self.generation) == "backups/app/generations/5efbd8d042012dca")
        #expect(keys.snapshotsPrefix(Self.generation) == "backups/app/generations/5efbd8d042012dca/snapshots/")
        #expect(keys.walPrefix(Self.generation) == "backups/app/generations/5efbd8d042012dca/wal/")
        #expect(
            keys.walSegment(WALPosition(generation: Self.generation, index: 3, offset: 4152))
                == "backups/app/generations/5efbd8d042012dca/wal/00000003_00001038.wal.lz4")
        #expect(S3Keys(root: "").generationsPrefix == "generations/")
        #expect(S3Keys.base("a/generations/5efbd8d042012dca/") == "5efbd8d042012dca")
        #expect(S3Keys.base("k") == "k")
    }

    @Test func listObjectsV2PageParses() throws {
        let xml = """
            <?xml version="1.0" encoding="UTF-8"?>
            <ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>bkt</Name><Prefix>db/generations/</Prefix>
            <KeyCount>3</KeyCount><MaxKeys>2</MaxKeys><Delimiter>/</Delimiter><IsTruncated>true</IsTruncated>
            <NextContinuationToken>1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=</NextContinuationToken>
            <Contents><Key>db/a &amp; b.lz4</Key><LastModified>2026-11-22T01:47:02.123Z</LastModified>
            <ETag>&quot;c5aa&quot;</ETag><Size>354</Size><StorageClass>STANDARD</StorageClass></Contents>
            <CommonPrefixes><Prefix>db/generations/5efbd8d042012dca/</Prefix></CommonPrefixes>
            <CommonPrefixes><Prefix><![CDATA[db/generations/x/]]></Prefix></CommonPrefixes>
            </ListBucketResult>
            """
        let page = try S3ListPage(body: Array(xml.utf8))
        #expect(page.isTruncated)
        #expect(page.nextContinuationToken == "1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=")
        #expect(page.objects.count == 1)
        #expect(page.objects.first?.key == "db/a & b.lz4")
        #expect(page.objects.first?.size == 354)
        let time = Timestamp.parseRFC3339(page.objects.first?.lastModified ?? "")
        #expect(time?.rfc3339Nano == "2026-11-22T01:47:02.123Z")
        #expect(page.commonPrefixes == ["db/generations/5efbd8d042012dca/", "db/generations/x/"])
    }

    @Test func errorDocumentsParse() {
        let s3 = S3ErrorResponse(
            body: Array(
                """
                <?xml version="1.0" encoding="UTF-8"?>
                <Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message><Key>x</Key><RequestId>4442587FB7D0A2F9</RequestId></Error>
                """.utf8))
        #expect(
            s3
                == S3ErrorResponse(
                    code: "NoSuchKey", message: "The specified key does not exist.", requestID: "4442587FB7D0A2F9"))
        let sts = S3ErrorResponse(
            body: Array(
                """
                <ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>AccessDenied</Code>
                <Message>Not authorized</Message></Error><RequestId>r1</RequestId></ErrorResponse>
                """.utf8))
        #expect(sts?.code == "AccessDenied")
        #expect(sts?.requestID == "r1")
        #expect(S3ErrorResponse(body: []) == nil)
        #expect(S3ErrorResponse(body: Array("not xml".utf8)) == nil)
        #expect(S3ErrorResponse.hint(for: "AccessDenied") == "check the credentials and the bucket policy")
    }

    @Test func xmlReaderHandlesEntitiesAndRejectsBadNesting() throws {
        let root = try XMLElement.parse("<a x='1>2'><b>&#x41;&#66;&lt;&gt;</b><c/><!-- note --><d>t</d></a>")
        #expect(root.value("b") == "AB<>")
        #expect(root.child("c")?.text == "")
        #expect(root.first("d")?.text == "t")
        #expect(throws: XMLParseError.self) { try XMLElement.parse("<a><b></a></b>") }
        #expect(throws: XMLParseError.self) { try XMLElement.parse("<a>") }
        #expect(throws: XMLParseError.self) { try XMLElement.parse("<a>&bogus;</a>") }
    }

    @Test func deeplyNestedDocumentsAreRejectedNotRecursedInto() throws {
        let deep = String(repeating: "<a>", count: 200_000) + String(repeating: "</a>", count: 200_000)
        let error = try #require(throws: XMLParseError.self) { try XMLElement.parse(deep) }
        #expect("\(error)".contains("nested deeper than 32"))
        let fine = String(repeating: "<a>", count: 32) + String(repeating: "</a>", count: 32)
        #expect(try XMLElement.parse(fine).name == "a")
    }
}
