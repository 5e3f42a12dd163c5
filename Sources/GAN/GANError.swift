/// What went wrong setting up or running a GAN, phrased for the person who ran it.
public enum GANError: Error, CustomStringConvertible, Equatable {
    /// A preset name that the model does not have.
    case unknownPreset(model: String, name: String, known: [String])
    /// A loss name that is not one of ``GANLoss``'s.
    case unknownLoss(name: String)
    /// Images of a size the model cannot take.
    case wrongImageSize(source: String, height: Int, width: Int, expected: Int)
    /// A setting out of range (non-positive sizes, counts, rates).
    case invalidSetting(String)
    /// An output file that could not be written.
    case outputFailed(String)
    /// A file that could not be read back.
    case inputFailed(String)

    public var description: String {
        switch self {
        case .unknownPreset(let model, let name, let known):
            return "unknown \(model) preset '\(name)'; known presets: \(known.joined(separator: ", "))"
        case .unknownLoss(let name):
            return "unknown GAN loss '\(name)'; known losses: \(GANLoss.allCases.map(\.rawValue).joined(separator: ", "))"
        case .wrongImageSize(let source, let height, let width, let expected):
            return "\(source) holds \(height)x\(width) images; this model takes \(expected)x\(expected) images (MNIST format)"
        case .invalidSetting(let message), .outputFailed(let message), .inputFailed(let message):
            return message
        }
    }
}
