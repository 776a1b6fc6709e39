//! Map core errors onto JS errors whose `code` the TypeScript layer turns into
//! `MsPASSError` severities.

use mspass_core::CoreError;

pub fn to_napi(err: CoreError) -> napi::Error {
    let status = match err {
        CoreError::InvalidArgument(_) => napi::Status::InvalidArg,
        _ => napi::Status::GenericFailure,
    };
    // The kind is a stable prefix the TS side parses: "<Kind>: message".
    napi::Error::new(status, format!("{}: {}", err.kind(), err))
}
