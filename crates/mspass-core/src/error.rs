//! One error type for the core. Messages never carry URI credentials.

use crate::uri::mask_credentials;

#[derive(Debug, thiserror::Error)]
pub enum CoreError {
    /// The caller passed something unusable (a malformed URI, a bad option).
    #[error("{0}")]
    InvalidArgument(String),
    /// The server could not be reached or refused us.
    #[error("{0}")]
    Connection(String),
    /// A write hit a unique index (server code 11000, "E11000 duplicate key").
    /// Its own kind because idempotent writers treat it as "already written"
    /// after checking, never by matching the server's wording.
    #[error("{0}")]
    DuplicateKey(String),
    /// Any other driver failure.
    #[error("{0}")]
    Database(String),
    /// Local file I/O failed.
    #[error("{0}")]
    Io(String),
}

impl CoreError {
    pub fn database(context: &str, err: mongodb::error::Error) -> Self {
        CoreError::Database(mask_credentials(&format!("{context}: {err}")))
    }

    /// Classify a driver error: unreachable/refused servers, and servers that
    /// say they are shutting down or stepping down, are `Connection` (MsPASS
    /// treats them as fatal for the job; the distributed reader retries
    /// them); a write that only hit unique indexes is `DuplicateKey`;
    /// argument and BSON problems are `InvalidArgument`, the rest `Database`.
    /// The classification uses the server's numeric codes and the driver's
    /// error kinds, never message text. `context` says what we were doing
    /// (e.g. "find in mspass.wf_TimeSeries").
    pub fn from_driver(context: &str, err: mongodb::error::Error) -> Self {
        use mongodb::error::ErrorKind;
        let msg = mask_credentials(&format!("{context}: {err}"));
        let codes = server_codes(&err);
        if !codes.is_empty() && codes.iter().all(|c| *c == DUPLICATE_KEY_CODE) {
            return CoreError::DuplicateKey(msg);
        }
        if codes.iter().any(|c| TRANSIENT_CODES.contains(c)) {
            return CoreError::Connection(msg);
        }
        match *err.kind {
            ErrorKind::ServerSelection { .. }
            | ErrorKind::Io(_)
            | ErrorKind::ConnectionPoolCleared { .. }
            | ErrorKind::Authentication { .. }
            | ErrorKind::DnsResolve { .. }
            | ErrorKind::Shutdown => CoreError::Connection(msg),
            ErrorKind::InvalidArgument { .. }
            | ErrorKind::BsonSerialization(_)
            | ErrorKind::BsonDeserialization(_) => CoreError::InvalidArgument(msg),
            _ => CoreError::Database(msg),
        }
    }

    /// A short stable code the binding maps onto MsPASS severities.
    pub fn kind(&self) -> &'static str {
        match self {
            CoreError::InvalidArgument(_) => "InvalidArgument",
            CoreError::Connection(_) => "Connection",
            CoreError::DuplicateKey(_) => "DuplicateKey",
            CoreError::Database(_) => "Database",
            CoreError::Io(_) => "Io",
        }
    }
}

/// The server's duplicate-key error code (E11000).
pub const DUPLICATE_KEY_CODE: i32 = 11000;

/// Server codes that mean "the server is going away / coming back / not the
/// primary right now", not "your request is wrong" (MongoDB's
/// error_codes.yml: the ShutdownError, NotPrimaryError and network
/// categories). FerretDB answers a shutdown with the same codes.
const TRANSIENT_CODES: &[i32] = &[
    6,     // HostUnreachable
    7,     // HostNotFound
    89,    // NetworkTimeout
    91,    // ShutdownInProgress
    189,   // PrimarySteppedDown
    9001,  // SocketException
    10107, // NotWritablePrimary
    11600, // InterruptedAtShutdown
    11602, // InterruptedDueToReplStateChange
    13435, // NotPrimaryNoSecondaryOk
    13436, // NotPrimaryOrSecondary
];

/// Every numeric code the server returned in `err` (command, write and
/// write-concern errors; each per-document error of an insertMany).
fn server_codes(err: &mongodb::error::Error) -> Vec<i32> {
    use mongodb::error::{ErrorKind, WriteFailure};
    match err.kind.as_ref() {
        ErrorKind::Command(c) => vec![c.code],
        ErrorKind::Write(WriteFailure::WriteError(w)) => vec![w.code],
        ErrorKind::Write(WriteFailure::WriteConcernError(w)) => vec![w.code],
        ErrorKind::InsertMany(e) => {
            let mut v: Vec<i32> = e.write_errors.iter().flatten().map(|w| w.code).collect();
            v.extend(e.write_concern_error.iter().map(|w| w.code));
            v
        }
        _ => Vec::new(),
    }
}

pub type Result<T> = std::result::Result<T, CoreError>;
