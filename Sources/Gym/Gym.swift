@_exported import LabCore
