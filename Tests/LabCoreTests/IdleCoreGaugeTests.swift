import Foundation
import Testing
@testable import LabCore

/// The gauge a worker pool asks before it probes its parallel mode: was a core idle?
@Suite struct IdleCoreGaugeTests {
    static func idle(_ text: String) -> Double? {
        Array(text.utf8).withUnsafeBufferPointer { IdleCoreGauge.idleSeconds(uptime: $0) }
    }

    /// `/proc/uptime`'s second field, and nothing from text of another shape.
    @Test func readsTheIdleFieldOfUptime() throws {
        #expect(abs(try #require(Self.idle("12497.61 1876.03\n")) - 1876.03) < 1e-9)
        #expect(Self.idle("5 7") == 7)
        #expect(Self.idle("0.00 0.00\n") == 0)
        for bad in ["", "\n", "12497.61", "12497.61 ", "12497.61 x", "12497.61 1876.03 5", "1.2.3 4", " 1 2", "1 2x", "-1 2"] {
            #expect(Self.idle(bad) == nil, "\(bad.debugDescription)")
        }
    }

    /// A window of at least 40 ms is judged by the idle time in it: at least half a core's
    /// worth is an idle core. Then the next window starts.
    @Test func judgesWindowsByTheirIdleTime() {
        var gauge = IdleCoreGauge()
        gauge.start(now: 1_000_000_000, idle: 100)
        let answers = [
            // 100 ms with 90 ms of idle time (a free core): yes.
            gauge.hadIdleCore(now: 1_100_000_000, idle: 100.09),
            // The next 100 ms with 20 ms (every core busy but for a tick): no.
            gauge.hadIdleCore(now: 1_200_000_000, idle: 100.11),
            // 60 ms with 35 ms (over half a core's worth): yes; then 40 ms with 10 ms: no.
            gauge.hadIdleCore(now: 1_260_000_000, idle: 100.145),
            gauge.hadIdleCore(now: 1_300_000_000, idle: 100.155),
        ]
        #expect(answers == [true, false, true, false])
    }

    /// A window too short to judge (the idle figure is in hundredths of a second), or no
    /// figure at all, answers yes (the probe decides), and a short window goes on.
    @Test func shortWindowsAndUnknownIdleTimeAnswerYes() {
        var gauge = IdleCoreGauge()
        var answers = [gauge.hadIdleCore(now: 1_000_000_000, idle: 5)]  // No window started.
        gauge.start(now: 1_000_000_000, idle: 100)
        answers += [
            gauge.hadIdleCore(now: 1_030_000_000, idle: 100),  // 30 ms: too short.
            // The window still runs from the start: 50 ms with no idle time is judged, no.
            gauge.hadIdleCore(now: 1_050_000_000, idle: 100),
            gauge.hadIdleCore(now: 1_200_000_000, idle: nil),
        ]
        gauge.start(now: 2_000_000_000, idle: nil)
        answers.append(gauge.hadIdleCore(now: 3_000_000_000, idle: 100))
        #expect(answers == [true, true, false, true, true])
    }

    /// On Linux the machine's idle time is known, and it does not go backwards.
    @Test func theMachineIdleTimeIsReadOnLinux() throws {
        #if os(Linux)
        let first = try #require(IdleCoreGauge.machineIdleSeconds())
        usleep(20_000)
        let second = try #require(IdleCoreGauge.machineIdleSeconds())
        #expect(first >= 0 && second >= first)
        #endif
    }
}
