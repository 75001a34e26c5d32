import Mustache

/// The view models as the template engine reads them: each value's properties by name, as
/// `TemplateNode`s (`TemplateObject`s, lists, text, flags and numbers). Built through the
/// view models' synthesized `Encodable` (compiled code that names each property) instead of
/// reflecting every value with `Mirror`; a nil optional is left out
/// (`encodeIfPresent`), so the template looks its name up in the enclosing sections, as for
/// any absent key.
enum TemplateEncoder {
    static func value(of model: some Encodable) throws -> TemplateNode {
        let node = Node()
        try model.encode(to: NodeEncoder(node: node))
        return node.resolved
    }

    /// What one value encoded to while it is being encoded: properties, elements, or a single
    /// value; a nested container's node (the view models' synthesized encoders make none) is
    /// kept apart and resolved with its parent.
    final class Node {
        var properties: [String: TemplateNode]?
        var nestedProperties: [(String, Node)] = []
        var elements: [TemplateNode]?
        var nestedElements: [(Int, Node)] = []
        var single: TemplateNode?

        var resolved: TemplateNode {
            if var properties {
                for (key, node) in nestedProperties { properties[key] = node.resolved }
                return .object(TemplateObject(properties: properties))
            }
            if var elements {
                for (index, node) in nestedElements { elements[index] = node.resolved }
                return .list(elements)
            }
            return single ?? .absent
        }

        func set(_ value: TemplateNode, forKey key: String) {
            if properties == nil { properties = [:] }
            properties![key] = value
        }

        func setNested(_ node: Node, forKey key: String) {
            set(.absent, forKey: key)
            nestedProperties.append((key, node))
        }

        func append(_ value: TemplateNode) {
            if elements == nil { elements = [] }
            elements!.append(value)
        }

        func appendNested(_ node: Node) {
            append(.absent)
            nestedElements.append((elements!.count - 1, node))
        }

        /// A nested value, encoded and resolved at once.
        static func encode(_ value: some Encodable) throws -> TemplateNode {
            switch value {
            case let text as String: return .text(text)
            case let flag as Bool: return .flag(flag)
            case let number as Int: return .integer(number)
            case let number as Double: return .number(number)
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
        mutating func encode(_ value: String, forKey key: Key) throws { node.set(.text(value), forKey: key.stringValue) }
        mutating func encode(_ value: Bool, forKey key: Key) throws { node.set(.flag(value), forKey: key.stringValue) }
        mutating func encode(_ value: Int, forKey key: Key) throws { node.set(.integer(value), forKey: key.stringValue) }
        mutating func encode(_ value: Double, forKey key: Key) throws { node.set(.number(value), forKey: key.stringValue) }
        mutating func encode(_ value: some Encodable, forKey key: Key) throws {
            node.set(try Node.encode(value), forKey: key.stringValue)
        }

        mutating func nestedContainer<NestedKey: CodingKey>(
            keyedBy keyType: NestedKey.Type, forKey key: Key
        ) -> KeyedEncodingContainer<NestedKey> {
            let child = Node()
            child.properties = [:]
            node.setNested(child, forKey: key.stringValue)
            return KeyedEncodingContainer(Keyed<NestedKey>(node: child))
        }

        mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
            let child = Node()
            child.elements = []
            node.setNested(child, forKey: key.stringValue)
            return Unkeyed(node: child)
        }

        mutating func superEncoder() -> any Encoder { NodeEncoder(node: node) }
        mutating func superEncoder(forKey key: Key) -> any Encoder {
            let child = Node()
            node.setNested(child, forKey: key.stringValue)
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
            node.appendNested(child)
            return KeyedEncodingContainer(Keyed<NestedKey>(node: child))
        }

        mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
            let child = Node()
            child.elements = []
            node.appendNested(child)
            return Unkeyed(node: child)
        }

        mutating func superEncoder() -> any Encoder {
            let child = Node()
            node.appendNested(child)
            return NodeEncoder(node: child)
        }
    }

    struct Single: SingleValueEncodingContainer {
        let node: Node
        var codingPath: [any CodingKey] = []

        mutating func encodeNil() throws {}
        mutating func encode(_ value: String) throws { node.single = .text(value) }
        mutating func encode(_ value: Bool) throws { node.single = .flag(value) }
        mutating func encode(_ value: Int) throws { node.single = .integer(value) }
        mutating func encode(_ value: Double) throws { node.single = .number(value) }
        mutating func encode(_ value: some Encodable) throws { node.single = try Node.encode(value) }
    }
}
