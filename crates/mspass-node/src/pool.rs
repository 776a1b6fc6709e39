//! Process-wide pool access. `#[napi] async fn` runs on napi-rs's process-global
//! Tokio runtime, which is what a `mongodb::Client` must be created on.

use mspass_core::pool::{self, PoolOptions};
use napi_derive::napi;

use crate::errors::to_napi;

#[napi(object)]
pub struct ConnectOptions {
    pub max_pool_size: Option<u32>,
    pub server_selection_timeout_ms: Option<u32>,
    pub app_name: Option<String>,
}

/// Create (once per process) or reuse the pool for `uri` and check the server answers.
#[napi]
pub async fn connect(uri: String, options: Option<ConnectOptions>) -> napi::Result<()> {
    let opts = options
        .map(|o| PoolOptions {
            max_pool_size: o.max_pool_size,
            server_selection_timeout_ms: o.server_selection_timeout_ms.map(u64::from),
            app_name: o.app_name,
        })
        .unwrap_or_default();
    pool::client_for(&uri, &opts).await.map_err(to_napi)?;
    Ok(())
}

/// How many `mongodb::Client`s this process has created (shared by all threads).
#[napi]
pub fn clients_created() -> u32 {
    pool::clients_created() as u32
}

/// Number of distinct pools (URIs) in this process.
#[napi]
pub fn pool_count() -> u32 {
    pool::pool_count() as u32
}

/// Shut down and forget the pool for `uri`. Returns whether one existed.
#[napi]
pub async fn shutdown_pool(uri: String) -> bool {
    pool::shutdown(&uri).await
}

/// Shut down every pool of this process (tests, process exit). Returns how many.
#[napi]
pub async fn shutdown_all_pools() -> u32 {
    let mut n = 0;
    for uri in pool::uris() {
        if pool::shutdown(&uri).await {
            n += 1;
        }
    }
    n
}
