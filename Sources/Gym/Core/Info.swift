/// Auxiliary diagnostics returned by `reset` and `step`, as Gymnasium's `info` dict.
public typealias Info = [String: InfoValue]

/// One value in an ``Info`` dictionary.
public enum InfoValue: Equatable, Sendable, CustomStringConvertible {
    case int(Int)
    case double(Double)
    case bool(Bool)
    case string(String)
    case doubles([Double])
    case ints([Int])
    /// A nested dictionary, e.g. `info["episode"]` from ``RecordEpisodeStatistics``.
    case dictionary([String: InfoValue])

    /// The value as a double, for numeric cases.
    public var doubleValue: Double? {
        switch self {
        case .int(let v): return Double(v)
        case .double(let v): return v
        case .bool(let v): return v ? 1 : 0
        default: return nil
        }
    }

    /// The value as an integer, for integral cases.
    public var intValue: Int? {
        switch self {
        case .int(let v): return v
        case .bool(let v): return v ? 1 : 0
        case .double(let v): return Int(exactly: v)
        default: return nil
        }
    }

    /// The nested dictionary, if this is one.
    public var dictionaryValue: [String: InfoValue]? {
        if case .dictionary(let d) = self { return d }
        return nil
    }

    public var description: String {
        switch self {
        case .int(let v): return "\(v)"
        case .double(let v): return "\(v)"
        case .bool(let v): return v ? "true" : "false"
        case .string(let v): return v
        case .doubles(let v): return "[" + v.map { "\($0)" }.joined(separator: ", ") + "]"
        case .ints(let v): return "[" + v.map { "\($0)" }.joined(separator: ", ") + "]"
        case .dictionary(let d):
            return "{" + d.keys.sorted().map { "\($0): \(d[$0]!)" }.joined(separator: ", ") + "}"
        }
    }
}
