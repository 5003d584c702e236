// A message field reduced to what code generation needs.

enum MapValue {
    case scalar(ScalarKind)
    case message(String)
}

enum FieldShape {
    case scalar(ScalarKind)                 // singular; implicit presence unless in a oneof
    case message(String)                    // singular message, Swift optional
    case repeatedScalar(ScalarKind)
    case repeatedMessage(String)
    case map(key: ScalarKind, value: MapValue)
}

struct FieldModel {
    var protoName: String
    var property: String
    var number: UInt32
    var shape: FieldShape
    var oneofIndex: Int?

    func tag(_ wireType: UInt32) -> UInt32 { number << 3 | wireType }

    init(_ f: FieldDescriptorProto, types: TypeTable) throws {
        protoName = f.name
        property = Naming.property(f.name)
        number = UInt32(f.number)
        oneofIndex = f.proto3Optional ? nil : f.oneofIndex.map(Int.init)
        if f.proto3Optional { throw GeneratorError("\(f.name): proto3 optional is not supported") }
        if let entry = try types.mapEntry(of: f) {
            guard let k = entry.fields.first(where: { $0.number == 1 }), let v = entry.fields.first(where: { $0.number == 2 }) else {
                throw GeneratorError("\(f.name): malformed map entry")
            }
            let key = try ScalarKind.forType(k.type, enumName: nil)
            let value: MapValue = v.type == 11
                ? .message(try types.swiftName(v.typeName))
                : .scalar(try ScalarKind.forType(v.type, enumName: v.type == 14 ? try types.swiftName(v.typeName) : nil))
            shape = .map(key: key, value: value)
        } else if f.type == 11 {
            let name = try types.swiftName(f.typeName)
            shape = f.isRepeated ? .repeatedMessage(name) : .message(name)
        } else {
            let kind = try ScalarKind.forType(f.type, enumName: f.type == 14 ? try types.swiftName(f.typeName) : nil)
            shape = f.isRepeated ? .repeatedScalar(kind) : .scalar(kind)
        }
    }

    var swiftType: String {
        switch shape {
        case .scalar(let k): return k.swiftType
        case .message(let m): return m
        case .repeatedScalar(let k): return "[\(k.swiftType)]"
        case .repeatedMessage(let m): return "[\(m)]"
        case .map(let k, .scalar(let v)): return "[\(k.swiftType): \(v.swiftType)]"
        case .map(let k, .message(let m)): return "[\(k.swiftType): \(m)]"
        }
    }
}
