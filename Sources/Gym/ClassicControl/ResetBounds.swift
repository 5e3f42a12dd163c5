/// Gymnasium's `maybe_parse_reset_bounds`: reset options `low` and `high` replace the
/// default range of the uniform reset noise.
func resetBounds(_ options: Info?, defaultLow: Double, defaultHigh: Double) throws -> (Double, Double) {
    let low = try resetOption("low", in: options, default: defaultLow)
    let high = try resetOption("high", in: options, default: defaultHigh)
    guard low <= high else {
        throw EnvironmentError(.invalidOptionValue, "reset option low (\(low)) must be lower than high (\(high))")
    }
    return (low, high)
}

/// The number the reset option `key` gives, or `fallback` when it is not set.
func resetOption(_ key: String, in options: Info?, default fallback: Double) throws -> Double {
    guard let entry = options?[key] else { return fallback }
    guard let value = entry.doubleValue else {
        throw EnvironmentError(.invalidOptionValue, "reset option \(key) (\(entry)) could not be converted to a number")
    }
    return value
}

/// Checks a new internal state's size and returns it.
func checkedState(_ state: [Double], count: Int, names: String, environment: String) throws -> [Double] {
    guard state.count == count else {
        throw EnvironmentError(.invalidState, "\(environment) has a \(count)-value state (\(names)), got \(state.count) values")
    }
    // A NaN or infinite state makes every later step meaningless (and NaN compares false
    // with every bound, so the episode would never terminate).
    if let i = state.firstIndex(where: { !$0.isFinite }) {
        throw EnvironmentError(.invalidState, "\(environment) state value \(i + 1) (of \(names)) is \(state[i]); a state must be finite numbers")
    }
    return state
}
