//! Why one member of a sample read has no samples: a KIND the callers decide
//! on, and a message for the datum's elog.
//!
//! The TypeScript layer turns a member error into a dead datum. Which kind of
//! dead datum (an abortion, never constructed, saved to `abortions`; or the
//! constructed datum killed, saved to `cemetery`) and whether to retry with
//! converted values is decided by [`MemberErrorKind`] alone, never by the
//! message text: messages may be reworded freely.

use std::fmt;

/// The classes of per-member failure. The string forms ([`Self::as_str`])
/// cross the binding and are a stable contract with `src/db/read.ts`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MemberErrorKind {
    /// The document cannot say where its samples are: a field the storage
    /// mode needs is missing or has an unusable value, or the BSON is
    /// malformed. An abortion.
    BadDocument,
    /// A field the storage mode uses has the wrong BSON type (`npts` stored
    /// as a double, `foff` as a string). An abortion, unless the value
    /// converts (the TypeScript layer retries with the decoded/converted
    /// value, as MsPASS builds the datum from converted Metadata).
    BadType,
    /// A `storage_mode` or `format` this reader cannot read. An abortion
    /// (MsPASS kills an illegal storage mode as an abortion).
    Unsupported,
    /// The document is fine but its stored samples are not there (no such
    /// file, no GridFS file). The constructed datum, killed.
    MissingSamples,
    /// The stored samples exist but cannot be used (a file shorter than the
    /// document says, a GridFS file of the wrong length or with lost or
    /// malformed chunks, an I/O error). The constructed datum, killed.
    BadSamples,
    /// A GridFS member was read without a database handle (a caller
    /// mistake of the core API; the binding always passes one when needed).
    NoDatabase,
}

impl MemberErrorKind {
    /// Every kind, for tests and documentation.
    pub const ALL: [MemberErrorKind; 6] = [
        MemberErrorKind::BadDocument,
        MemberErrorKind::BadType,
        MemberErrorKind::Unsupported,
        MemberErrorKind::MissingSamples,
        MemberErrorKind::BadSamples,
        MemberErrorKind::NoDatabase,
    ];

    /// The stable name that crosses the binding.
    pub fn as_str(self) -> &'static str {
        match self {
            MemberErrorKind::BadDocument => "BadDocument",
            MemberErrorKind::BadType => "BadType",
            MemberErrorKind::Unsupported => "Unsupported",
            MemberErrorKind::MissingSamples => "MissingSamples",
            MemberErrorKind::BadSamples => "BadSamples",
            MemberErrorKind::NoDatabase => "NoDatabase",
        }
    }

    /// True when the document itself was fine and only the stored samples
    /// failed: MsPASS constructs the datum from the document and then kills
    /// it (cemetery), instead of an abortion.
    pub fn is_storage(self) -> bool {
        matches!(
            self,
            MemberErrorKind::MissingSamples | MemberErrorKind::BadSamples
        )
    }
}

impl fmt::Display for MemberErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One member's failure: its kind and a message naming what was wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberError {
    pub kind: MemberErrorKind,
    pub message: String,
}

impl MemberError {
    pub fn new(kind: MemberErrorKind, message: impl Into<String>) -> Self {
        MemberError {
            kind,
            message: message.into(),
        }
    }
    pub fn bad_document(message: impl Into<String>) -> Self {
        Self::new(MemberErrorKind::BadDocument, message)
    }
    pub fn bad_type(message: impl Into<String>) -> Self {
        Self::new(MemberErrorKind::BadType, message)
    }
    pub fn unsupported(message: impl Into<String>) -> Self {
        Self::new(MemberErrorKind::Unsupported, message)
    }
    pub fn missing_samples(message: impl Into<String>) -> Self {
        Self::new(MemberErrorKind::MissingSamples, message)
    }
    pub fn bad_samples(message: impl Into<String>) -> Self {
        Self::new(MemberErrorKind::BadSamples, message)
    }
}

impl fmt::Display for MemberError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for MemberError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kind_names_are_stable_and_distinct() {
        // These strings are matched by src/db/read.ts: changing one is a
        // binding change, not a rewording.
        let names: Vec<&str> = MemberErrorKind::ALL.iter().map(|k| k.as_str()).collect();
        assert_eq!(
            names,
            [
                "BadDocument",
                "BadType",
                "Unsupported",
                "MissingSamples",
                "BadSamples",
                "NoDatabase"
            ]
        );
        let storage: Vec<&str> = MemberErrorKind::ALL
            .iter()
            .filter(|k| k.is_storage())
            .map(|k| k.as_str())
            .collect();
        assert_eq!(storage, ["MissingSamples", "BadSamples"]);
    }

    #[test]
    fn display_is_the_message() {
        let e = MemberError::bad_type("npts has type double; expected an integer");
        assert_eq!(e.to_string(), "npts has type double; expected an integer");
        assert_eq!(e.kind, MemberErrorKind::BadType);
    }
}
