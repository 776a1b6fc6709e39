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

    /// Classify a driver error: unreachable/refused servers are `Connection`
    /// (MsPASS treats them as fatal for the job), argument and BSON problems
    /// are `InvalidArgument`, the rest `Database`. `context` says what we were
    /// doing (e.g. "find in mspass.wf_TimeSeries").
    pub fn from_driver(context: &str, err: mongodb::error::Error) -> Self {
        use mongodb::error::ErrorKind;
        let msg = mask_credentials(&format!("{context}: {err}"));
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
            CoreError::Database(_) => "Database",
            CoreError::Io(_) => "Io",
        }
    }
}

pub type Result<T> = std::result::Result<T, CoreError>;
