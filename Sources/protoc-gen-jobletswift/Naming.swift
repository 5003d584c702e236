// Swift names for proto names, per docs/internals.md.

enum Naming {
    static let swiftKeywords: Set<String> = [
        "associatedtype", "class", "deinit", "enum", "extension", "fileprivate", "func", "import", "init",
        "inout", "internal", "let", "open", "operator", "private", "precedencegroup", "protocol", "public",
        "rethrows", "static", "struct", "subscript", "typealias", "var", "break", "case", "catch", "continue",
        "default", "defer", "do", "else", "fallthrough", "for", "guard", "if", "in", "repeat", "return",
        "throw", "switch", "where", "while", "Any", "as", "await", "false", "is", "nil", "self", "Self",
        "super", "throws", "true", "try", "Type", "Protocol",
    ]
    /// Members every message already has; a field by one of these names gets a trailing underscore.
    static let reservedMembers: Set<String> = ["unknownFields", "serializedSize", "hashValue", "protoMessageName"]

    /// "grpc.health.v1" → "Grpc_Health_V1_"; "" → "".
    static func packagePrefix(_ package: String) -> String {
        if package.isEmpty { return "" }
        return package.split(separator: ".").map { upperCamel(String($0)) }.joined(separator: "_") + "_"
    }

    /// "chunk_type" → "ChunkType"; "v1alpha" → "V1alpha".
    static func upperCamel(_ s: String) -> String {
        s.split(separator: "_").map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined()
    }

    /// "secret_environment" → "secretEnvironment"; "maxCPU" stays; "RunJob" → "runJob".
    static func lowerCamel(_ s: String) -> String {
        let parts = s.split(separator: "_")
        guard let first = parts.first else { return s }
        let head = first.prefix(1).lowercased() + first.dropFirst()
        return head + parts.dropFirst().map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined()
    }

    /// A field's property name, quoted or suffixed where Swift needs it.
    static func property(_ protoName: String) -> String {
        let name = lowerCamel(protoName)
        if reservedMembers.contains(name) { return name + "_" }
        return quoted(name)
    }

    static func quoted(_ name: String) -> String {
        swiftKeywords.contains(name) ? "`\(name)`" : name
    }

    /// Enum case names: "NOT_SERVING" → "notServing"; the enum's own prefix is dropped
    /// ("GRPCLB_ROUTE_TYPE_BACKEND" in GrpclbRouteType → "backend"), as swift-protobuf does.
    static func enumCase(_ value: String, enumName: String) -> String {
        var v = value
        let prefix = upperSnake(enumName) + "_"
        if v.hasPrefix(prefix), let c = v.dropFirst(prefix.count).first, c.isLetter {
            v = String(v.dropFirst(prefix.count))
        }
        let parts = v.split(separator: "_").map { $0.lowercased() }
        guard let first = parts.first else { return quoted(v) }
        return quoted(first + parts.dropFirst().map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined())
    }

    /// "GrpclbRouteType" → "GRPCLB_ROUTE_TYPE".
    static func upperSnake(_ s: String) -> String {
        var out = ""
        for (i, c) in s.enumerated() {
            if c.isUppercase && i > 0 { out += "_" }
            out += c.uppercased()
        }
        return out
    }
}
