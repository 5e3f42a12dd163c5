import Foundation

/// A request for memory that cannot be met: its size overflows, or it is larger than
/// this machine's memory.
public struct MemoryLimitError: Error, CustomStringConvertible, Equatable {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// The one place that sizes allocations driven by user input (state and action counts,
/// layer widths, buffer capacities, copy and seed counts).
///
/// Why: Swift traps on an overflowing multiplication and the process is killed when an
/// allocation cannot be met, both after the user has waited; refusing up front, with the
/// size the request would need, is an error the user can act on. Sizes are products of
/// counts and are computed with overflow checks; a request above this machine's memory
/// is refused before anything is allocated.
public enum MemoryBudget {
    /// The memory this process may use: the physical memory, or the control group's
    /// limit when one is set and smaller (containers, Slurm jobs).
    public static let machineBytes: Int = {
        var bytes = Int(clamping: ProcessInfo.processInfo.physicalMemory)
        for path in ["/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"] {
            if let text = try? String(contentsOfFile: path, encoding: .utf8),
               let limit = Int(text.trimmingCharacters(in: .whitespacesAndNewlines)), limit > 0 {
                bytes = min(bytes, limit)
            }
        }
        return bytes
    }()

    /// The bytes of `counts` multiplied together and by `bytesPerElement`, checked.
    ///
    /// - Parameters:
    ///   - what: What the memory is for, as the user knows it ("replay buffer
    ///     (buffer_size 1000000 x 2 observations of 4 numbers ...)"); it starts the message.
    ///   - counts: The sizes whose product is the number of elements.
    ///   - bytesPerElement: The bytes of one element.
    ///   - limit: The most bytes allowed (this machine's memory by default).
    /// - Returns: The size in bytes.
    /// - Throws: ``MemoryLimitError`` when a count is negative, the product overflows,
    ///   or the size is above `limit`; the message says how much the request needs.
    @discardableResult
    public static func bytes(for what: String, counts: [Int], bytesPerElement: Int, limit: Int = machineBytes) throws -> Int {
        let factors = counts + [bytesPerElement]
        let total = try product(what, factors, limit: limit)
        guard total <= limit else {
            throw MemoryLimitError("\(what) would need \(format(total)) (\(describe(factors)) bytes), more than this machine's \(format(limit)) of memory")
        }
        return total
    }

    /// The bytes of several requests made together (each one `counts x bytesPerElement`),
    /// checked as ``bytes(for:counts:bytesPerElement:limit:)`` checks one.
    @discardableResult
    public static func bytes(for what: String, parts: [(counts: [Int], bytesPerElement: Int)], limit: Int = machineBytes) throws -> Int {
        var total = 0
        for part in parts {
            let size = try product(what, part.counts + [part.bytesPerElement], limit: limit)
            let (sum, overflow) = total.addingReportingOverflow(size)
            guard !overflow else {
                throw MemoryLimitError("\(what) would need more than 2^63 bytes (a 64-bit size overflows); this machine has \(format(limit))")
            }
            total = sum
        }
        guard total <= limit else {
            throw MemoryLimitError("\(what) would need \(format(total)), more than this machine's \(format(limit)) of memory")
        }
        return total
    }

    /// The product of `factors`, refusing negative ones and overflow.
    private static func product(_ what: String, _ factors: [Int], limit: Int) throws -> Int {
        if let negative = factors.first(where: { $0 < 0 }) {
            throw MemoryLimitError("\(what): a size of \(negative) is negative")
        }
        var total = 1
        for factor in factors {
            let (product, overflow) = total.multipliedReportingOverflow(by: factor)
            guard !overflow else {
                throw MemoryLimitError("\(what) would need \(describe(factors)) bytes, more than 2^63 (a 64-bit size overflows); this machine has \(format(limit))")
            }
            total = product
        }
        return total
    }

    /// `bytes` in the largest binary unit below it, with one decimal ("1.5 GiB").
    public static func format(_ bytes: Int) -> String {
        let units = ["bytes", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"]
        var value = Double(bytes), unit = 0
        while value >= 1024, unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        return unit == 0 ? "\(bytes) bytes" : String(format: "%.1f", value) + " " + units[unit]
    }

    private static func describe(_ factors: [Int]) -> String {
        factors.map(String.init).joined(separator: " x ")
    }
}
