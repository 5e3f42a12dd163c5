// Gym's public API takes and returns `RandomSource` (space sampling, reset noise), so
// users of Gym get LabCore's names without a second import.
@_exported import LabCore
