import SwiftStream

/// Entry point of the `swiftstream` executable.
public enum SwiftStreamMain {
    public static func run() async {
        print("swiftstream (development build), SQLite \(SQLiteConnection.libraryVersion)")
    }
}
