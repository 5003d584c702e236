// How each proto field type maps onto Swift and onto ProtoWire's reader/writer/size calls.

struct ScalarKind {
    var swiftType: String
    var defaultValue: String
    /// Condition under which a proto3 implicit-presence field is written; `$` is the value.
    var nonDefault: String
    var size: String        // ProtoSize function, value without key
    var write: String       // ProtoWriter method
    var read: String        // ProtoReader method
    var wireType: UInt32
    /// Fixed element width for packed decoding; nil for varints.
    var fixedWidth: Int?
    var packable: Bool { wireType != 2 }

    func isSet(_ value: String) -> String { nonDefault.replacingOccurrences(of: "$", with: value) }

    /// The kind for descriptor field type `type` (FieldDescriptorProto.Type numbers).
    static func forType(_ type: Int32, enumName: String?) throws -> ScalarKind {
        func varint(_ t: String, _ fn: String) -> ScalarKind {
            ScalarKind(swiftType: t, defaultValue: "0", nonDefault: "$ != 0", size: "ProtoSize.\(fn.lowercased())",
                       write: "write\(fn)", read: "read\(fn)", wireType: 0, fixedWidth: nil)
        }
        func fixed(_ t: String, _ fn: String, _ width: Int, float: Bool) -> ScalarKind {
            ScalarKind(swiftType: t, defaultValue: "0", nonDefault: float ? "$.bitPattern != 0" : "$ != 0",
                       size: width == 4 ? "ProtoSize.fixed32" : "ProtoSize.fixed64",
                       write: "write\(fn)", read: "read\(fn)", wireType: width == 4 ? 5 : 1, fixedWidth: width)
        }
        switch type {
        case 1: return fixed("Double", "Double", 8, float: true)   // -0.0 is written: upb and C++ compare bits
        case 2: return fixed("Float", "Float", 4, float: true)
        case 3: return varint("Int64", "Int64")
        case 4: return varint("UInt64", "UInt64")
        case 5: return varint("Int32", "Int32")
        case 6: return fixed("UInt64", "Fixed64", 8, float: false)
        case 7: return fixed("UInt32", "Fixed32", 4, float: false)
        case 8:
            return ScalarKind(swiftType: "Bool", defaultValue: "false", nonDefault: "$", size: "ProtoSize.bool",
                              write: "writeBool", read: "readBool", wireType: 0, fixedWidth: nil)
        case 9:
            return ScalarKind(swiftType: "String", defaultValue: "\"\"", nonDefault: "!$.isEmpty", size: "ProtoSize.string",
                              write: "writeString", read: "readString", wireType: 2, fixedWidth: nil)
        case 12:
            return ScalarKind(swiftType: "[UInt8]", defaultValue: "[]", nonDefault: "!$.isEmpty", size: "ProtoSize.bytes",
                              write: "writeBytes", read: "readBytes", wireType: 2, fixedWidth: nil)
        case 13: return varint("UInt32", "UInt32")
        case 14:
            guard let enumName else { throw GeneratorError("enum field without a type name") }
            return ScalarKind(swiftType: enumName, defaultValue: "\(enumName)()", nonDefault: "$.rawValue != 0",
                              size: "ProtoSize.enumValue", write: "writeEnum", read: "readEnum", wireType: 0, fixedWidth: nil)
        case 15: return fixed("Int32", "SFixed32", 4, float: false)
        case 16: return fixed("Int64", "SFixed64", 8, float: false)
        case 17: return varint("Int32", "SInt32")
        case 18: return varint("Int64", "SInt64")
        case 10: throw GeneratorError("groups are not supported")
        default: throw GeneratorError("unsupported field type \(type)")
        }
    }
}

extension String {
    func replacingOccurrences(of target: String, with replacement: String) -> String {
        split(separator: Character(target), omittingEmptySubsequences: false).joined(separator: replacement)
    }
}

/// The varint size of a key, which the generator folds into a constant.
func tagSize(_ rawTag: UInt32) -> Int {
    var n = 1
    var v = rawTag >> 7
    while v != 0 { n += 1; v >>= 7 }
    return n
}
