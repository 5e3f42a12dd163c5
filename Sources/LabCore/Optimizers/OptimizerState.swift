/// Optimizers' state in a training checkpoint: moments, step counts, learning rates.
///
/// Restoring writes into the buffers allocated at creation, so the optimizer keeps its
/// allocation-free step and its parameters, and the next step is the one the
/// uninterrupted run would have taken, bit for bit.
extension StateBuffers {
    func archive(into archive: inout StateArchive, prefix: String) {
        for (index, buffer) in buffers.enumerated() {
            archive.set("\(prefix).\(index)", float32: Array(UnsafeBufferPointer(start: buffer.base, count: buffer.count)))
        }
    }

    /// Checks every size before writing any buffer.
    func restore(from archive: StateArchive, prefix: String) throws {
        let values = try buffers.enumerated().map { index, buffer in
            try archive.float32("\(prefix).\(index)", count: buffer.count)
        }
        for (buffer, saved) in zip(buffers, values) {
            saved.withUnsafeBufferPointer { buffer.base.update(from: $0.baseAddress!, count: buffer.count) }
        }
    }
}

extension Adam: StateArchiving {
    public func archive(into archive: inout StateArchive, prefix: String) {
        archive.set("\(prefix).step_count", stepCount)
        archive.set("\(prefix).learning_rate", Double(learningRate))
        m.archive(into: &archive, prefix: "\(prefix).exp_avg")
        v.archive(into: &archive, prefix: "\(prefix).exp_avg_sq")
    }

    public func restore(from archive: StateArchive, prefix: String) throws {
        let steps = try archive.int("\(prefix).step_count")
        let rate = try archive.double("\(prefix).learning_rate")
        try m.restore(from: archive, prefix: "\(prefix).exp_avg")
        try v.restore(from: archive, prefix: "\(prefix).exp_avg_sq")
        stepCount = steps
        learningRate = Float(rate)
    }
}

extension RMSprop: StateArchiving {
    public func archive(into archive: inout StateArchive, prefix: String) {
        archive.set("\(prefix).learning_rate", Double(learningRate))
        s.archive(into: &archive, prefix: "\(prefix).square_avg")
    }

    public func restore(from archive: StateArchive, prefix: String) throws {
        let rate = try archive.double("\(prefix).learning_rate")
        try s.restore(from: archive, prefix: "\(prefix).square_avg")
        learningRate = Float(rate)
    }
}

extension SGD: StateArchiving {
    public func archive(into archive: inout StateArchive, prefix: String) {
        archive.set("\(prefix).learning_rate", Double(learningRate))
        archive.set("\(prefix).started", ints: started.map { $0 ? 1 : 0 })
        buffers.archive(into: &archive, prefix: "\(prefix).momentum_buffer")
    }

    public func restore(from archive: StateArchive, prefix: String) throws {
        let rate = try archive.double("\(prefix).learning_rate")
        let flags = try archive.ints("\(prefix).started", count: started.count)
        try buffers.restore(from: archive, prefix: "\(prefix).momentum_buffer")
        started = flags.map { $0 != 0 }
        learningRate = Float(rate)
    }
}

extension StateArchive {
    /// Stores the state of an optimizer known only by its protocol.
    ///
    /// - Throws: ``StateArchiveError`` for an optimizer type that cannot save its state.
    public mutating func set(_ name: String, optimizer: Optimizer) throws {
        guard let part = optimizer as? StateArchiving else {
            throw StateArchiveError("\(type(of: optimizer)) cannot save its state (it does not conform to StateArchiving)")
        }
        try part.archive(into: &self, prefix: name)
    }

    /// Restores an optimizer's state stored by ``set(_:optimizer:)``.
    public func restore(_ optimizer: Optimizer, from name: String) throws {
        guard let part = optimizer as? StateArchiving else {
            throw StateArchiveError("\(type(of: optimizer)) cannot restore its state (it does not conform to StateArchiving)")
        }
        try part.restore(from: self, prefix: name)
    }
}
