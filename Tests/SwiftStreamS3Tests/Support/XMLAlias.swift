import SwiftStreamS3

typealias SwiftStreamS3XMLElement = SwiftStreamS3.XMLElement
