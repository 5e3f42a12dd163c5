import Foundation

/// Whether the machine has had an idle core over a window of time: the question a
/// ``WorkerPool`` asks before it wakes a worker to probe its parallel mode (see
/// ``ParallelismGovernor``), from the idle time of all CPUs that the kernel keeps.
///
/// The kernel's figure (`/proc/uptime`) is in hundredths of a second, so a window must
/// be long enough for that to matter little: over ``leastWindow`` an idle core shows as
/// 0.75 to 1.25 cores and a busy machine as at most 0.25. A shorter window, or a system
/// without the figure, answers yes: the probe then decides, as it would without a gauge.
struct IdleCoreGauge {
    /// The shortest window the gauge judges (nanoseconds).
    static let leastWindow: UInt64 = 40_000_000
    /// The idle share of one core over the window that counts as an idle core.
    static let leastIdleCores = 0.5

    /// The start of the current window: a time (nanoseconds) and the idle time then (seconds).
    private var mark: (time: UInt64, idle: Double)?

    /// Starts a window at `now`, with `idle` the machine's idle seconds then (nil: unknown).
    mutating func start(now: UInt64, idle: Double?) {
        mark = idle.map { (now, $0) }
    }

    /// Whether the window up to `now`, when the machine's idle seconds are `idle`, had an
    /// idle core; a window long enough to judge is closed and the next one starts at `now`.
    mutating func hadIdleCore(now: UInt64, idle: Double?) -> Bool {
        guard let idle, let mark, now > mark.time else { return true }
        let window = now - mark.time
        guard window >= Self.leastWindow else { return true }
        self.mark = (now, idle)
        return (idle - mark.idle) * 1e9 >= Self.leastIdleCores * Double(window)
    }

    /// The idle time of all CPUs since boot (seconds), or nil where the system does not say.
    /// Allocates nothing (a pool reads it between jobs).
    static func machineIdleSeconds() -> Double? {
        #if os(Linux)
        let file = open("/proc/uptime", O_RDONLY | O_CLOEXEC)
        guard file >= 0 else { return nil }
        defer { close(file) }
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 96) { buffer -> Double? in
            let count = read(file, buffer.baseAddress, buffer.count)
            guard count > 0 else { return nil }
            return idleSeconds(uptime: UnsafeBufferPointer(rebasing: buffer[..<count]))
        }
        #else
        return nil
        #endif
    }

    /// The second field of `/proc/uptime`'s text ("12497.61 1876.03\n": 1876.03), or nil
    /// when the text is not two such numbers.
    static func idleSeconds(uptime text: UnsafeBufferPointer<UInt8>) -> Double? {
        var index = 0
        /// The decimal number at `index` (digits, optionally a point and digits).
        func number() -> Double? {
            var value = 0.0, scale = 1.0, digits = 0, fraction = false
            while index < text.count {
                let byte = text[index]
                if byte == UInt8(ascii: "."), !fraction {
                    fraction = true
                } else if byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") {
                    digits += 1
                    if fraction { scale /= 10; value += Double(byte - UInt8(ascii: "0")) * scale }
                    else { value = value * 10 + Double(byte - UInt8(ascii: "0")) }
                } else {
                    break
                }
                index += 1
            }
            return digits > 0 ? value : nil
        }
        guard number() != nil, index < text.count, text[index] == UInt8(ascii: " ") else { return nil }
        index += 1
        guard let idle = number() else { return nil }
        guard index == text.count || text[index] == UInt8(ascii: "\n") else { return nil }
        return idle
    }
}
