import ProtoWire

// The subset of google/protobuf/descriptor.proto the generator reads, decoded with our own
// ProtoWire reader (no protobuf library). Field numbers are descriptor.proto's.

struct FileDescriptorProto {
    var name = ""
    var package = ""
    var dependencies: [String] = []
    var messages: [DescriptorProto] = []
    var enums: [EnumDescriptorProto] = []
    var services: [ServiceDescriptorProto] = []
    var syntax = ""
    /// The message's bytes exactly as protoc sent them (for server reflection).
    var serialized: [UInt8] = []

    init(_ r: inout ProtoReader) throws {
        while let tag = try r.nextTag() {
            switch tag.rawValue {
            case 1 << 3 | 2: name = try r.readString()
            case 2 << 3 | 2: package = try r.readString()
            case 3 << 3 | 2: dependencies.append(try r.readString())
            case 4 << 3 | 2: var s = try r.nestedReader(); messages.append(try DescriptorProto(&s))
            case 5 << 3 | 2: var s = try r.nestedReader(); enums.append(try EnumDescriptorProto(&s))
            case 6 << 3 | 2: var s = try r.nestedReader(); services.append(try ServiceDescriptorProto(&s))
            case 12 << 3 | 2: syntax = try r.readString()
            default: try r.skipField(tag)
            }
        }
    }
}

struct DescriptorProto {
    var name = ""
    var fields: [FieldDescriptorProto] = []
    var nested: [DescriptorProto] = []
    var enums: [EnumDescriptorProto] = []
    var oneofs: [String] = []
    var isMapEntry = false

    init(_ r: inout ProtoReader) throws {
        while let tag = try r.nextTag() {
            switch tag.rawValue {
            case 1 << 3 | 2: name = try r.readString()
            case 2 << 3 | 2: var s = try r.nestedReader(); fields.append(try FieldDescriptorProto(&s))
            case 3 << 3 | 2: var s = try r.nestedReader(); nested.append(try DescriptorProto(&s))
            case 4 << 3 | 2: var s = try r.nestedReader(); enums.append(try EnumDescriptorProto(&s))
            case 7 << 3 | 2: isMapEntry = try Self.readMapEntryOption(&r)
            case 8 << 3 | 2: oneofs.append(try Self.readName(&r))
            default: try r.skipField(tag)
            }
        }
    }

    /// MessageOptions.map_entry (field 7).
    static func readMapEntryOption(_ r: inout ProtoReader) throws -> Bool {
        var s = try r.nestedReader()
        var mapEntry = false
        while let tag = try s.nextTag() {
            if tag.rawValue == 7 << 3 | 0 { mapEntry = try s.readBool() } else { try s.skipField(tag) }
        }
        return mapEntry
    }

    /// The `name` (field 1) of a nested descriptor such as OneofDescriptorProto.
    static func readName(_ r: inout ProtoReader) throws -> String {
        var s = try r.nestedReader()
        var name = ""
        while let tag = try s.nextTag() {
            if tag.rawValue == 1 << 3 | 2 { name = try s.readString() } else { try s.skipField(tag) }
        }
        return name
    }
}

struct FieldDescriptorProto {
    enum Label: Int32 { case optional = 1, required = 2, repeated = 3 }
    var name = ""
    var number: Int32 = 0
    var label: Int32 = 1
    var type: Int32 = 0
    var typeName = ""
    var oneofIndex: Int32?
    var proto3Optional = false

    init(_ r: inout ProtoReader) throws {
        while let tag = try r.nextTag() {
            switch tag.rawValue {
            case 1 << 3 | 2: name = try r.readString()
            case 3 << 3 | 0: number = try r.readInt32()
            case 4 << 3 | 0: label = try r.readInt32()
            case 5 << 3 | 0: type = try r.readInt32()
            case 6 << 3 | 2: typeName = try r.readString()
            case 9 << 3 | 0: oneofIndex = try r.readInt32()
            case 17 << 3 | 0: proto3Optional = try r.readBool()
            default: try r.skipField(tag)
            }
        }
    }

    var isRepeated: Bool { label == Label.repeated.rawValue }
}

struct EnumDescriptorProto {
    var name = ""
    var values: [(name: String, number: Int32)] = []

    init(_ r: inout ProtoReader) throws {
        while let tag = try r.nextTag() {
            switch tag.rawValue {
            case 1 << 3 | 2: name = try r.readString()
            case 2 << 3 | 2:
                var s = try r.nestedReader()
                var value = (name: "", number: Int32(0))
                while let t = try s.nextTag() {
                    switch t.rawValue {
                    case 1 << 3 | 2: value.name = try s.readString()
                    case 2 << 3 | 0: value.number = try s.readInt32()
                    default: try s.skipField(t)
                    }
                }
                values.append(value)
            default: try r.skipField(tag)
            }
        }
    }
}

struct ServiceDescriptorProto {
    struct Method {
        var name = ""
        var inputType = ""
        var outputType = ""
        var clientStreaming = false
        var serverStreaming = false
    }
    var name = ""
    var methods: [Method] = []

    init(_ r: inout ProtoReader) throws {
        while let tag = try r.nextTag() {
            switch tag.rawValue {
            case 1 << 3 | 2: name = try r.readString()
            case 2 << 3 | 2:
                var s = try r.nestedReader()
                var m = Method()
                while let t = try s.nextTag() {
                    switch t.rawValue {
                    case 1 << 3 | 2: m.name = try s.readString()
                    case 2 << 3 | 2: m.inputType = try s.readString()
                    case 3 << 3 | 2: m.outputType = try s.readString()
                    case 5 << 3 | 0: m.clientStreaming = try s.readBool()
                    case 6 << 3 | 0: m.serverStreaming = try s.readBool()
                    default: try s.skipField(t)
                    }
                }
                methods.append(m)
            default: try r.skipField(tag)
            }
        }
    }
}
