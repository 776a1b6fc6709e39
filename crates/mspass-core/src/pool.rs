//! The process-wide MongoDB connection pool registry.
//!
//! One `mongodb::Client` per distinct URI per process. The `.node` library is
//! loaded once per process, so these statics are shared by the main thread and
//! every worker thread: that is what makes connection multiplexing work.
//!
//! A `mongodb::Client` is bound to the Tokio runtime it was created on, so the
//! binding must call [`client_for`] from napi's (process-global) runtime.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use bson::doc;
use mongodb::options::ClientOptions;
use mongodb::Client;
use tokio::sync::OnceCell;

use crate::error::{CoreError, Result};
use crate::uri::mask_credentials;

/// Options that shape a pool. They only apply when the pool is first created:
/// later callers with the same URI share the existing client.
#[derive(Debug, Clone, Default)]
pub struct PoolOptions {
    pub max_pool_size: Option<u32>,
    pub server_selection_timeout_ms: Option<u64>,
    pub app_name: Option<String>,
}

/// Default bound on connections per server for the shared pool. Every worker
/// thread multiplexes over it, so it is sized for in-flight operations, not for
/// threads.
pub const DEFAULT_MAX_POOL_SIZE: u32 = 16;
pub const DEFAULT_SERVER_SELECTION_TIMEOUT_MS: u64 = 10_000;

type Cell = Arc<OnceCell<Client>>;

fn registry() -> &'static Mutex<HashMap<String, Cell>> {
    static REGISTRY: OnceLock<Mutex<HashMap<String, Cell>>> = OnceLock::new();
    REGISTRY.get_or_init(|| Mutex::new(HashMap::new()))
}

static CLIENTS_CREATED: AtomicU64 = AtomicU64::new(0);

/// How many `mongodb::Client`s this process has created so far.
pub fn clients_created() -> u64 {
    CLIENTS_CREATED.load(Ordering::SeqCst)
}

/// Number of pools currently registered (one per distinct URI).
pub fn pool_count() -> usize {
    registry().lock().expect("pool registry poisoned").len()
}

/// Return the shared client for `uri`, creating and validating it (a `ping`)
/// on first use. A URI whose validation fails is not cached, so a later call
/// tries again.
pub async fn client_for(uri: &str, options: &PoolOptions) -> Result<Client> {
    let cell = {
        let mut map = registry().lock().expect("pool registry poisoned");
        map.entry(uri.to_string())
            .or_insert_with(|| Arc::new(OnceCell::new()))
            .clone()
    };
    match cell
        .get_or_try_init(|| async { create_client(uri, options).await })
        .await
    {
        Ok(client) => Ok(client.clone()),
        Err(e) => {
            // Drop the empty slot so `pool_count` counts live pools only
            // (unless a concurrent caller has filled or replaced it meanwhile).
            let mut map = registry().lock().expect("pool registry poisoned");
            if map
                .get(uri)
                .is_some_and(|c| Arc::ptr_eq(c, &cell) && c.get().is_none())
            {
                map.remove(uri);
            }
            Err(e)
        }
    }
}

/// The cached client for `uri`, if one exists, without creating it.
pub fn existing_client(uri: &str) -> Option<Client> {
    let map = registry().lock().expect("pool registry poisoned");
    map.get(uri).and_then(|cell| cell.get().cloned())
}

async fn create_client(uri: &str, options: &PoolOptions) -> Result<Client> {
    let masked = mask_credentials(uri);
    let mut opts = ClientOptions::parse(uri).await.map_err(|e| {
        CoreError::InvalidArgument(mask_credentials(&format!(
            "invalid MongoDB URI {masked}: {e}"
        )))
    })?;
    opts.max_pool_size = Some(options.max_pool_size.unwrap_or(DEFAULT_MAX_POOL_SIZE));
    opts.server_selection_timeout = Some(Duration::from_millis(
        options
            .server_selection_timeout_ms
            .unwrap_or(DEFAULT_SERVER_SELECTION_TIMEOUT_MS),
    ));
    if opts.app_name.is_none() {
        opts.app_name = Some(
            options
                .app_name
                .clone()
                .unwrap_or_else(|| "mspass".to_string()),
        );
    }
    let client = Client::with_options(opts).map_err(|e| {
        CoreError::InvalidArgument(mask_credentials(&format!(
            "invalid MongoDB URI {masked}: {e}"
        )))
    })?;
    if let Err(e) = client
        .database("admin")
        .run_command(doc! { "ping": 1 })
        .await
    {
        // Stop the monitors of a client we will not keep.
        client.shutdown().await;
        return Err(CoreError::Connection(mask_credentials(&format!(
            "cannot connect to the database at {masked}: {e}"
        ))));
    }
    CLIENTS_CREATED.fetch_add(1, Ordering::SeqCst);
    Ok(client)
}

/// Forget and shut down the pool for `uri` (used by tests and `shutdownAll`).
///
/// The shutdown is `immediate`: a plain `Client::shutdown` waits for every
/// outstanding cursor and operation handle, which would hang on a cursor JS
/// never finished (cursors belong to their JS handles, cursor.rs). Operations
/// still in flight on other threads, and later fetches of its cursors, fail
/// with a shutdown error.
pub async fn shutdown(uri: &str) -> bool {
    let cell = registry()
        .lock()
        .expect("pool registry poisoned")
        .remove(uri);
    match cell.and_then(|c| c.get().cloned()) {
        Some(client) => {
            client.shutdown().immediate(true).await;
            true
        }
        None => false,
    }
}

/// The URIs that currently have a pool (credentials included: for the
/// binding's `shutdownAll`, never for messages).
pub fn uris() -> Vec<String> {
    registry()
        .lock()
        .expect("pool registry poisoned")
        .keys()
        .cloned()
        .collect()
}

/// One runtime for every test that touches a server. A `Client` is bound to
/// the runtime it was created on and `#[tokio::test]` gives each test its own,
/// so tests sharing the process-wide pool must share a runtime too (just as
/// the binding shares napi's).
#[cfg(test)]
pub(crate) fn test_block_on<F: std::future::Future>(fut: F) -> F::Output {
    static RT: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RT.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("test runtime")
    })
    .block_on(fut)
}

/// Runs `test` on the shared test runtime with the URI of the server in
/// `MSPASS_TEST_DB_URI`; without one it says so and skips (the vitest suite
/// always runs against a server).
#[cfg(test)]
pub(crate) fn with_test_server<F, Fut>(test: F)
where
    F: FnOnce(String) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let Ok(uri) = std::env::var("MSPASS_TEST_DB_URI") else {
        eprintln!("MSPASS_TEST_DB_URI not set; skipping the server round trip");
        return;
    };
    test_block_on(test(uri));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn malformed_uri_is_invalid_argument_and_masked() {
        let err = client_for("mongodb://bob:pw@", &PoolOptions::default())
            .await
            .unwrap_err();
        assert_eq!(err.kind(), "InvalidArgument");
        assert!(!err.to_string().contains("pw"), "{err}");
    }

    #[tokio::test]
    async fn unreachable_server_is_connection_error_and_not_cached() {
        let opts = PoolOptions {
            server_selection_timeout_ms: Some(300),
            ..Default::default()
        };
        // Port 1 on loopback is closed on any sane machine.
        let uri = "mongodb://u:secret@127.0.0.1:1/?directConnection=true";
        let err = client_for(uri, &opts).await.unwrap_err();
        assert_eq!(err.kind(), "Connection");
        assert!(err.to_string().contains("127.0.0.1:1"));
        assert!(!err.to_string().contains("secret"));
        assert!(existing_client(uri).is_none());
        assert!(
            !uris().iter().any(|u| u == uri),
            "a failed URI left an empty pool slot"
        );
    }

    /// Runs against the real server when CI provides one.
    #[test]
    fn one_client_per_uri_against_real_server() {
        with_test_server(|base| async move {
            // A URI no other test uses, so the pool is created here.
            let sep = if base.contains('?') { '&' } else { '?' };
            let uri = format!("{base}{sep}appName=pool-test");
            let before = clients_created();
            let opts = PoolOptions::default();
            let (a, b) = tokio::join!(client_for(&uri, &opts), client_for(&uri, &opts));
            let (a, b) = (a.unwrap(), b.unwrap());
            assert_eq!(
                clients_created() - before,
                1,
                "two concurrent callers made two clients"
            );
            a.database("admin")
                .run_command(doc! {"ping": 1})
                .await
                .unwrap();
            drop(b);
            assert!(shutdown(&uri).await);
            assert!(existing_client(&uri).is_none());
        });
    }
}
