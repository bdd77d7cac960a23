// swift-tools-version: 6.2
import PackageDescription

// Our own targets build in Swift 6 language mode with every warning an error.
let strict: [SwiftSetting] = [.treatAllWarnings(as: .error)]

// System C libraries come from Debian's -dev packages. CLZ4, CYAML and CSystemShims are module
// maps (Sources/<Name>/module.modulemap) over a shim.h with static inline wrappers for what
// Swift cannot import (variadic functions, function-like macros, _GNU_SOURCE declarations).
// The config is parsed with libyaml (the C library gopkg.in/yaml.v2, Litestream's parser,
// is a port of) rather than a Swift YAML package: those load Foundation and ICU into the daemon.
// SQLite is NOT taken from the system (Debian ships 3.40.1, which has the WAL-reset
// bug fixed in 3.51.3): it comes from vapor/sqlite-nio's VaporCSQLite module (3.54.x).
//
// libcurl and libcrypto are not linked: CCurl and COpenSSL are C targets that take only the
// headers of libcurl4-openssl-dev and libssl-dev and open libcurl.so.4 / libcrypto.so.3 with
// dlopen on first use, so that processes without S3 replicas never load them (libcurl alone
// brings gnutls, krb5, ldap, ssh2, ... and about 5.5 MB of resident memory). No pkgConfig for
// them either: SwiftPM would add its `-lcurl` / `-lssl -lcrypto` to the link.
let cLibraries: [Target] = [
    .systemLibrary(name: "CSystemShims"),
    .systemLibrary(name: "CLZ4", pkgConfig: "liblz4", providers: [.apt(["liblz4-dev"])]),
    .systemLibrary(name: "CYAML", pkgConfig: "yaml-0.1", providers: [.apt(["libyaml-dev"])]),
    .target(name: "CLibraryLoader"),
    .target(name: "CCurl", dependencies: ["CLibraryLoader"]),
    .target(name: "COpenSSL", dependencies: ["CLibraryLoader"]),
]

let package = Package(
    name: "swiftstream",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "swiftstream", targets: ["swiftstream"]),
        .library(name: "SwiftStreamSystem", targets: ["SwiftStreamSystem"]),
        .library(name: "SwiftStream", targets: ["SwiftStream"]),
        .library(name: "SwiftStreamHTTP", targets: ["SwiftStreamHTTP"]),
        .library(name: "SwiftStreamS3", targets: ["SwiftStreamS3"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-system", from: "1.8.1"),
        // Only for its bundled SQLite (module VaporCSQLite); pinned because that module is not a public product.
        .package(url: "https://github.com/vapor/sqlite-nio", exact: "1.13.2"),
    ],
    targets: cLibraries + [
        // POSIX below the core: descriptors (swift-system's FileDescriptor plus what it lacks),
        // path-level file helpers, SystemError, threads off the cooperative pool, child processes.
        .target(
            name: "SwiftStreamSystem",
            dependencies: ["CSystemShims", .product(name: "SystemPackage", package: "swift-system")],
            swiftSettings: strict
        ),
        // Replication and restore: the database monitor, shadow WAL, replicas, the ReplicaClient
        // protocol with the file backend, LZ4, SQLite.
        .target(
            name: "SwiftStream",
            dependencies: [
                "SwiftStreamSystem", "CLZ4",
                .product(name: "SystemPackage", package: "swift-system"),
                .product(name: "SQLiteNIO", package: "sqlite-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        // HTTP over libcurl plus SigV4, shared by the cloud backends.
        .target(
            name: "SwiftStreamHTTP", dependencies: ["SwiftStream", "SwiftStreamSystem", "CCurl", "COpenSSL"],
            swiftSettings: strict),
        .target(
            name: "SwiftStreamS3",
            dependencies: [
                "SwiftStream", "SwiftStreamSystem", "SwiftStreamHTTP",
                .product(name: "SystemPackage", package: "swift-system"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "SwiftStreamCLI",
            dependencies: [
                "SwiftStream", "SwiftStreamSystem", "SwiftStreamHTTP", "SwiftStreamS3", "CSystemShims", "CYAML",
                .product(name: "SystemPackage", package: "swift-system"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        .executableTarget(name: "swiftstream", dependencies: ["SwiftStreamCLI"], swiftSettings: strict),
        .testTarget(name: "SwiftStreamSystemTests", dependencies: ["SwiftStreamSystem"], swiftSettings: strict),
        .testTarget(
            name: "SwiftStreamTests", dependencies: ["SwiftStream", "SwiftStreamSystem", "PeerTestSupport"],
            swiftSettings: strict),
        // Test helpers: loopback servers and proxies, spawning peers (moto_server, litestream).
        .target(
            name: "PeerTestSupport",
            dependencies: ["SwiftStream", "SwiftStreamSystem", "SwiftStreamHTTP", "SwiftStreamS3"],
            path: "Tests/PeerTestSupport", swiftSettings: strict
        ),
        .testTarget(
            name: "SwiftStreamHTTPTests",
            dependencies: ["SwiftStreamHTTP", "SwiftStream", "SwiftStreamSystem", "PeerTestSupport"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "SwiftStreamS3Tests",
            dependencies: [
                "SwiftStreamS3", "SwiftStreamHTTP", "SwiftStream", "SwiftStreamSystem", "PeerTestSupport",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "SwiftStreamCLITests", dependencies: ["SwiftStreamCLI", "SwiftStream", "SwiftStreamSystem"],
            swiftSettings: strict),
        // Runs the built binaries against Litestream v0.3.13 (file replicas, and S3 through moto).
        .testTarget(
            name: "EndToEndTests",
            dependencies: ["SwiftStream", "SwiftStreamSystem", "SwiftStreamHTTP", "SwiftStreamS3", "PeerTestSupport"],
            swiftSettings: strict
        ),
    ]
)
