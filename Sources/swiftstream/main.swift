import CSystemShims
import SwiftStreamCLI

swst_tune_malloc()
await SwiftStreamMain.run()
