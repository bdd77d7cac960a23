import SwiftStreamCLI

await SwiftStreamMain.run()
