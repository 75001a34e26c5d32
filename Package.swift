// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "sipas-pipeline",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "pipeline", targets: ["pipeline"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
        .package(url: "https://github.com/weichsel/ZIPFoundation", from: "0.9.20"),
    ],
    targets: [
        // libxml2 from Debian's libxml2-dev, found through pkg-config.
        .systemLibrary(
            name: "CLibXML2",
            pkgConfig: "libxml-2.0",
            providers: [.apt(["libxml2-dev"])]
        ),
        // libxlsxwriter from Debian's libxlsxwriter-dev (summary.xlsx), found through pkg-config.
        .systemLibrary(
            name: "CXlsxWriter",
            pkgConfig: "xlsxwriter",
            providers: [.apt(["libxlsxwriter-dev"])]
        ),
        // ReadStat from Debian's libreadstat-dev (`pipeline export` to SPSS and Stata); no
        // pkg-config file, so linked by name.
        .systemLibrary(
            name: "CReadStat",
            providers: [.apt(["libreadstat-dev"])]
        ),
        // Two POSIX calls Swift's Glibc overlay does not expose (renameat2, flock helpers).
        .target(name: "CShims"),
        // The instrument and rules of a survey: pure value types.
        .target(name: "SurveyModel"),
        // Pure statistics: accumulators, estimators, distributions. No I/O.
        .target(name: "Stats", dependencies: ["SurveyModel", "CNumberText"]),
        // printf's %.12g for Stats' NumberText, without Swift's boxing of C varargs.
        .target(name: "CNumberText"),
        // The only module that talks to SQLite.
        .target(
            name: "Storage",
            dependencies: [
                "SurveyModel", "Stats", "CShims",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
            ]
        ),
        // Reading the survey folder: survey.toml, units, population, inbox files
        // (also .xlsx workbooks through ZIPFoundation and libxml2's streaming reader).
        .target(
            name: "Ingest",
            dependencies: [
                "SurveyModel", "Storage", "CLibXML2",
                .product(name: "ZIPFoundation", package: "ZIPFoundation"),
                .product(name: "TOMLKit", package: "TOMLKit"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Rendering: XML (libxml2, XSD-validated), HTML, the Excel workbook (libxlsxwriter) and the
        // decision annex (.docx through libxml2 and ZIPFoundation; PDF through LibreOffice).
        .target(
            name: "Report",
            dependencies: [
                "SurveyModel", "Stats", "CLibXML2", "CXlsxWriter",
                .product(name: "Mustache", package: "swift-mustache"),
                // The zip of the annex's .docx.
                .product(name: "ZIPFoundation", package: "ZIPFoundation"),
                .product(name: "Logging", package: "swift-log"),
            ],
            resources: [.copy("Resources")]
        ),
        // The accepted forms as one table for SPSS (.sav), Stata (.dta) and CSV.
        .target(name: "Export", dependencies: ["SurveyModel", "CReadStat"]),
        // The stages and the release: checks, estimates, locking, atomic publication.
        .target(
            name: "Stages",
            dependencies: [
                "SurveyModel", "Stats", "Storage", "Ingest", "Report", "Export", "CShims", "CNumberText",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ],
            // The survey folder `pipeline init` writes.
            resources: [.copy("Resources")]
        ),
        // The commands: one file each; option parsing and exit statuses only.
        .target(
            name: "CommandLineInterface",
            dependencies: [
                "Stages", "SurveyModel",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(name: "pipeline", dependencies: ["CommandLineInterface"]),
        // `make bench`: times each stage on a synthetic survey; not a test.
        .executableTarget(
            name: "pipeline-bench",
            dependencies: ["Stages", .product(name: "Logging", package: "swift-log")],
            path: "Benchmarks"
        ),
        // `make fuzz`: a seeded mutation fuzzer per inbox reader (issue 8); not a test. It reaches
        // the internal table logic and portal reader through `@testable import Ingest`, so it is
        // built with `-Xswiftc -enable-testing`.
        .executableTarget(
            name: "pipeline-fuzz",
            dependencies: [
                "Ingest", "Storage", "SurveyModel",
                .product(name: "ZIPFoundation", package: "ZIPFoundation"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            path: "Fuzz"
        ),
        .testTarget(name: "SurveyModelTests", dependencies: ["SurveyModel"]),
        .testTarget(name: "StatsTests", dependencies: ["Stats", "SurveyModel"]),
        .testTarget(name: "ExportTests", dependencies: ["Export", "SurveyModel"]),
        .testTarget(
            name: "StorageTests",
            dependencies: ["Storage", "SurveyModel", .product(name: "GRDB", package: "GRDB.swift")]
        ),
        .testTarget(
            name: "IngestTests",
            dependencies: [
                "Ingest", "Storage", "Stats", "SurveyModel",
                .product(name: "Logging", package: "swift-log"),
                // To write hostile workbooks (zip bombs, path traversal) in the tests.
                .product(name: "ZIPFoundation", package: "ZIPFoundation"),
            ]
        ),
        .testTarget(
            name: "ReportTests",
            dependencies: [
                "Report", "Stats", "SurveyModel",
                // To read every part of summary.xlsx in the tests.
                .product(name: "ZIPFoundation", package: "ZIPFoundation"),
            ]
        ),
        .testTarget(
            name: "PipelineTests",
            dependencies: [
                "Stages", "Stats", "Storage", "Ingest", "Report", "SurveyModel", "CommandLineInterface",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
    ]
)

// Release builds of our own Swift targets without the runtime's exclusivity checks: every
// access to a class's stored property or a captured variable otherwise asks the runtime
// (thread-local storage, an access set), 6.5 % of a 20-unit cold run's instructions
// (callgrind). The compiler's static checks stay, and debug builds, which the tests run,
// keep the dynamic ones, so a conflicting access is still caught there.
for target in package.targets where [.regular, .executable].contains(target.type) && !["CShims", "CNumberText"].contains(target.name) {
    target.swiftSettings = (target.swiftSettings ?? []) + [.unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release))]
}
