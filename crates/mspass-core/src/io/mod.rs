//! Sample I/O: codecs, file and GridFS reads and writes for TimeSeries and
//! Seismogram data, byte-compatible with MsPASS.
