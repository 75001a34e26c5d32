import Mustache

/// The view models as the template engine reads them: each value's properties by name, as
/// `TemplateValue`s, arrays as arrays, text, flags and numbers as they are. Built through the
/// view models' synthesized `Encodable` (compiled code that names each property) instead of
/// reflecting every value with `Mirror`; a nil optional is left out
/// (`encodeIfPresent`), so the template looks its name up in the enclosing sections, as for
/// any absent key.
enum TemplateEncoder {
    static func value(of model: some Encodable) throws -> Any {
        let node = Node()
        try model.encode(to: NodeEncoder(node: node))
        return node.resolved
    }

    /// What one value encoded to: properties, elements, or a single value.
    final class Node {
        var properties: [String: Any]?
        var elements: [Any]?
        var single: Any?
        /// Holds a nested container's node, resolved with it.
        var hasNested = false

        var resolved: Any {
            if let properties { return TemplateValue(properties: hasNested ? properties.mapValues(Self.resolve) : properties) }
            if let elements { return hasNested ? elements.map(Self.resolve) : elements }
            return single as Any
        }

        /// A nested container's node (filled after it was placed; the view models'
        /// synthesized encoders make none) is resolved with its parent.
        static func resolve(_ value: Any) -> Any { (value as? Node)?.resolved ?? value }

        func set(_ value: Any, forKey key: String) {
            if properties == nil { properties = [:] }
            properties![key] = value
        }

        func append(_ value: Any) {
            if elements == nil { elements = [] }
            elements!.append(value)
        }

        /// A nested value, encoded and resolved at once.
        static func encode(_ value: some Encodable) throws -> Any {
            switch value {
            case let text as String: return text
            case let flag as Bool: return flag
            case let number as Int: return number
            case let number as Double: return number
            default:
                let node = Node()
                try value.encode(to: NodeEncoder(node: node))
                return node.resolved
            }
        }
    }

    struct NodeEncoder: Encoder {
        let node: Node
        var codingPath: [any CodingKey] = []
        var userInfo: [CodingUserInfoKey: Any] = [:]

        func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
            if node.properties == nil { node.properties = [:] }
            return KeyedEncodingContainer(Keyed<Key>(node: node))
        }

        func unkeyedContainer() -> any UnkeyedEncodingContainer {
            if node.elements == nil { node.elements = [] }
            return Unkeyed(node: node)
        }

        func singleValueContainer() -> any SingleValueEncodingContainer { Single(node: node) }
    }

    struct Keyed<Key: CodingKey>: KeyedEncodingContainerProtocol {
        let node: Node
        var codingPath: [any CodingKey] = []

        mutating func encodeNil(forKey key: Key) throws {}
        mutating func encode(_ value: String, forKey key: Key) throws { node.set(value, forKey: key.stringValue) }
        mutating func encode(_ value: Bool, forKey key: Key) throws { node.set(value, forKey: key.stringValue) }
        mutating func encode(_ value: Int, forKey key: Key) throws { node.set(value, forKey: key.stringValue) }
        mutating func encode(_ value: Double, forKey key: Key) throws { node.set(value, forKey: key.stringValue) }
        mutating func encode(_ value: some Encodable, forKey key: Key) throws {
            node.set(try Node.encode(value), forKey: key.stringValue)
        }

        mutating func nestedContainer<NestedKey: CodingKey>(
            keyedBy keyType: NestedKey.Type, forKey key: Key
        ) -> KeyedEncodingContainer<NestedKey> {
            let child = Node()
            child.properties = [:]
            node.hasNested = true
            node.set(child, forKey: key.stringValue)
            return KeyedEncodingContainer(Keyed<NestedKey>(node: child))
        }

        mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
            let child = Node()
            child.elements = []
            node.hasNested = true
            node.set(child, forKey: key.stringValue)
            return Unkeyed(node: child)
        }

        mutating func superEncoder() -> any Encoder { NodeEncoder(node: node) }
        mutating func superEncoder(forKey key: Key) -> any Encoder {
            let child = Node()
            node.hasNested = true
            node.set(child, forKey: key.stringValue)
            return NodeEncoder(node: child)
        }
    }

    struct Unkeyed: UnkeyedEncodingContainer {
        let node: Node
        var codingPath: [any CodingKey] = []
        var count: Int { node.elements?.count ?? 0 }

        mutating func encodeNil() throws {}
        mutating func encode(_ value: some Encodable) throws { node.append(try Node.encode(value)) }

        mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
            let child = Node()
            child.properties = [:]
            node.hasNested = true
            node.append(child)
            return KeyedEncodingContainer(Keyed<NestedKey>(node: child))
        }

        mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
            let child = Node()
            child.elements = []
            node.hasNested = true
            node.append(child)
            return Unkeyed(node: child)
        }

        mutating func superEncoder() -> any Encoder {
            let child = Node()
            node.hasNested = true
            node.append(child)
            return NodeEncoder(node: child)
        }
    }

    struct Single: SingleValueEncodingContainer {
        let node: Node
        var codingPath: [any CodingKey] = []

        mutating func encodeNil() throws {}
        mutating func encode(_ value: String) throws { node.single = value }
        mutating func encode(_ value: Bool) throws { node.single = value }
        mutating func encode(_ value: Int) throws { node.single = value }
        mutating func encode(_ value: Double) throws { node.single = value }
        mutating func encode(_ value: some Encodable) throws { node.single = try Node.encode(value) }
    }
}
