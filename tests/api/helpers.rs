//! Test harness: the real server on a random port against a fresh database per test.
//!
//! Each backend gets one template database per test run, migrated and with the real boundary
//! data imported; every test copies it (SQLite: the file; PostgreSQL: `CREATE DATABASE …
//! TEMPLATE`), so a test starts in milliseconds with the full data set. PostgreSQL and the
//! boundary data are required: a missing one fails the test with a message, never a skip.
//!
//! Around the server: accounts and a signed-in `Client` (`accounts`), filing reports and
//! photos (`filing`), refusals asserted by their problem type (`refusals`), the outbox driven
//! by the test (`outbox`) and SQL on the test database to set up the past (`sql`). Every test
//! file imports what it needs from here.

mod accounts;
mod filing;
mod outbox;
mod refusals;
mod sql;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use buergerbuero::config::Settings;
use buergerbuero::notify::worker::Worker;
use buergerbuero::startup::{Application, MailDelivery};
use sqlx::Connection;

pub use accounts::{
    Client, KREUZBERG, MITTE, PASSWORD, login_answer, refused_login, sign_in, try_login,
};
pub use filing::{MITTE_POINT, file_in_mitte, file_report, file_with_photo, jpeg, post_report};
pub use refusals::{assert_problem, assert_refused, refusal};
pub use sql::{execute, query_count, try_execute};

/// Which database a test runs against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The PostgreSQL server the tests use (override with `TEST_POSTGRES_URL`).
pub fn postgres_admin_url() -> String {
    std::env::var("TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

/// The shared boundary data, beside the repository.
pub fn boundaries_dir() -> PathBuf {
    let dir = std::env::var_os("BUERGERBUERO_BOUNDARIES_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data/boundaries"));
    assert!(
        dir.join("SOURCES.md").is_file(),
        "the boundary data is missing: expected {} (set BUERGERBUERO_BOUNDARIES_DIR)",
        dir.display()
    );
    dir
}

/// A scratch directory under target/, removed when dropped.
pub struct Scratch(pub PathBuf);

impl Scratch {
    pub fn new(label: &str) -> Self {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
            .join(format!("{label}-{}", uuid::Uuid::now_v7().simple()));
        std::fs::create_dir_all(&dir).unwrap();
        Self(dir)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Runs `future` to its end on a runtime of its own, in a thread of its own: whatever it
/// spawned (a server's background tasks) ends with that runtime.
pub fn run_blocking<F: std::future::Future + Send + 'static>(future: F) -> F::Output
where
    F::Output: Send + 'static,
{
    // Templates are built on a runtime of their own so they outlive any one test's runtime.
    std::thread::spawn(move || {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap()
            .block_on(future)
    })
    .join()
    .unwrap()
}

async fn migrate_and_import(url: String) {
    let store = buergerbuero::store::connect(&url, 2).await.unwrap();
    store.migrate().await.unwrap();
    buergerbuero::import::import_boundaries(&*store, &boundaries_dir(), &mut |_| {})
        .await
        .unwrap();
}

/// Runs `script` (sh) when this test process ends, however it ends: a child shell waits for
/// the end of a pipe that only this process holds open, which the kernel closes at exit, also
/// after a panic or SIGKILL. Statics are never dropped, so this is how a test run removes the
/// templates it made.
fn run_at_exit(script: String) {
    // The children keep their stdin, the pipe's only write end, so it closes at our exit.
    static CHILDREN: Mutex<Vec<std::process::Child>> = Mutex::new(Vec::new());
    let child = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!("cat >/dev/null; {script}"))
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("sh starts");
    CHILDREN
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .push(child);
}

/// Quotes `text` for sh.
fn sh_quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', "'\\''"))
}

/// The migrated, imported SQLite template file of this test run.
fn sqlite_template() -> &'static Path {
    static TEMPLATE: OnceLock<PathBuf> = OnceLock::new();
    TEMPLATE.get_or_init(|| {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("templates");
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join(format!("sqlite-{}.db", std::process::id()));
        let path = sh_quote(&file.display().to_string());
        run_at_exit(format!("rm -f {path} {path}-wal {path}-shm {path}-journal"));
        let url = format!("sqlite://{}", file.display());
        run_blocking(migrate_and_import(url));
        // The pool is closed, so SQLite has checkpointed the WAL into the main file.
        file
    })
}

/// The migrated, imported PostgreSQL template database of this test run.
fn postgres_template() -> &'static str {
    static TEMPLATE: OnceLock<String> = OnceLock::new();
    TEMPLATE.get_or_init(|| {
        let name = format!("bb_template_{}", uuid::Uuid::now_v7().simple());
        let admin = postgres_admin_url();
        let create = format!("create database {name}");
        // psql: the README names it among what the test command needs.
        run_at_exit(format!(
            "psql {} -qc {} >/dev/null 2>&1",
            sh_quote(&admin),
            sh_quote(&format!("drop database if exists {name} with (force)"))
        ));
        run_blocking(async move {
            let mut conn = sqlx::PgConnection::connect(&admin)
                .await
                .unwrap_or_else(|e| {
                    panic!(
                        "PostgreSQL is required for the tests and is not reachable at {admin}: {e}"
                    )
                });
            sqlx::query(sqlx::AssertSqlSafe(create))
                .execute(&mut conn)
                .await
                .unwrap();
        });
        run_blocking(migrate_and_import(database_url(&name)));
        name
    })
}

/// The URL of database `name` on the test server.
pub fn database_url(name: &str) -> String {
    let admin = postgres_admin_url();
    let base = admin
        .rsplit_once('/')
        .map_or(admin.as_str(), |(base, _)| base);
    format!("{base}/{name}")
}

/// A fresh database with the boundaries imported; dropped with the returned guard.
pub struct TestDatabase {
    pub url: String,
    backend: Backend,
    pg_name: Option<String>,
    _scratch: Scratch,
}

impl TestDatabase {
    pub fn new(backend: Backend) -> Self {
        let scratch = Scratch::new("db");
        match backend {
            Backend::Sqlite => {
                let file = scratch.0.join("test.db");
                std::fs::copy(sqlite_template(), &file).unwrap();
                Self {
                    url: format!("sqlite://{}", file.display()),
                    backend,
                    pg_name: None,
                    _scratch: scratch,
                }
            }
            Backend::Postgres => {
                // One copy at a time: PostgreSQL refuses a template that another CREATE
                // DATABASE is reading.
                static COPYING: Mutex<()> = Mutex::new(());
                let template = postgres_template();
                let name = format!("bb_test_{}", uuid::Uuid::now_v7().simple());
                let sql = format!("create database {name} template {template}");
                let admin = postgres_admin_url();
                let _guard = COPYING.lock().unwrap_or_else(|e| e.into_inner());
                run_blocking(async move {
                    let mut conn = sqlx::PgConnection::connect(&admin).await.unwrap();
                    sqlx::query(sqlx::AssertSqlSafe(sql))
                        .execute(&mut conn)
                        .await
                        .unwrap();
                });
                Self {
                    url: database_url(&name),
                    backend,
                    pg_name: Some(name),
                    _scratch: scratch,
                }
            }
        }
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// A new PostgreSQL database without anything in it, not even the migrations (a target
    /// for `move-data`); dropped with the returned guard.
    pub fn empty_postgres() -> Self {
        let name = format!("bb_empty_{}", uuid::Uuid::now_v7().simple());
        let sql = format!("create database {name}");
        let admin = postgres_admin_url();
        run_blocking(async move {
            let mut conn = sqlx::PgConnection::connect(&admin).await.unwrap();
            sqlx::query(sqlx::AssertSqlSafe(sql))
                .execute(&mut conn)
                .await
                .unwrap();
        });
        Self {
            url: database_url(&name),
            backend: Backend::Postgres,
            pg_name: Some(name),
            _scratch: Scratch::new("db"),
        }
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if let Some(name) = self.pg_name.take() {
            let admin = postgres_admin_url();
            run_blocking(async move {
                if let Ok(mut conn) = sqlx::PgConnection::connect(&admin).await {
                    let _ = sqlx::query(sqlx::AssertSqlSafe(format!(
                        "drop database if exists {name} with (force)"
                    )))
                    .execute(&mut conn)
                    .await;
                }
            });
        }
    }
}

/// Settings for a test server on `db`: random port, one worker, scratch data directory.
pub fn test_settings(db: &TestDatabase, data_dir: &Path) -> Settings {
    settings_for_url(&db.url, data_dir)
}

/// Settings for a test server on the database at `url` (see `test_settings`).
fn settings_for_url(url: &str, data_dir: &Path) -> Settings {
    Settings {
        database_url: url.to_owned(),
        database_max_connections: 4,
        listen: "127.0.0.1:0".into(),
        data_dir: data_dir.to_owned(),
        boundaries_dir: boundaries_dir(),
        web_dir: Path::new(env!("CARGO_MANIFEST_DIR")).join("web"),
        http_workers: 1,
        ..Settings::default()
    }
}

/// A running server with its database.
pub struct TestApp {
    pub address: String,
    /// The separate metrics listener, when the settings name one.
    pub metrics_address: Option<String>,
    pub client: reqwest::Client,
    _db: TestDatabase,
    handle: actix_web::dev::ServerHandle,
    /// The server's mail worker (`outbox`: `deliver_pending`).
    mail: Arc<Worker>,
    /// The server's webhook worker (`deliver_webhooks`).
    webhooks: Arc<buergerbuero::webhooks::worker::Worker>,
    /// The server's back-office worker (`backoffice`: deliveries and status pulls).
    pub backoffice: Arc<buergerbuero::backoffice::Backoffice>,
    _data: Scratch,
}

impl TestApp {
    /// Starts the server on a fresh database of `backend`.
    pub async fn spawn(backend: Backend) -> Self {
        Self::spawn_with(TestDatabase::new(backend), |_| {}).await
    }

    /// Starts the server on `db`, after `adjust` has changed the settings; its mail worker
    /// delivers in the background, as `serve` does.
    pub async fn spawn_with(db: TestDatabase, adjust: impl FnOnce(&mut Settings)) -> Self {
        Self::spawn_delivering(db, adjust, MailDelivery::Background).await
    }

    /// As `spawn_with`, but no worker delivers mail: it waits in the outbox until the test
    /// calls `deliver_pending` (see `outbox`).
    pub async fn spawn_delivering_on_demand(
        db: TestDatabase,
        adjust: impl FnOnce(&mut Settings),
    ) -> Self {
        Self::spawn_delivering(db, adjust, MailDelivery::OnDemand).await
    }

    async fn spawn_delivering(
        db: TestDatabase,
        adjust: impl FnOnce(&mut Settings),
        delivery: MailDelivery,
    ) -> Self {
        let data = Scratch::new("data");
        let mut settings = test_settings(&db, &data.0);
        adjust(&mut settings);
        let app = Application::build_with(settings, delivery).await.unwrap();
        let address = format!("http://127.0.0.1:{}", app.port());
        let metrics_address = app
            .metrics_port()
            .map(|port| format!("http://127.0.0.1:{port}"));
        let handle = app.handle();
        let mail = app.mail_worker();
        let webhooks = app.webhook_worker();
        let backoffice = app.backoffice();
        tokio::spawn(app.run_until_stopped());
        Self {
            address,
            metrics_address,
            client: reqwest::Client::new(),
            _db: db,
            handle,
            mail,
            webhooks,
            backoffice,
            _data: data,
        }
    }

    /// Fans out new report events and sends every webhook delivery due now
    /// (`webhooks::worker::Worker::deliver_pending`), for apps that deliver on demand.
    pub async fn deliver_webhooks(&self) -> buergerbuero::webhooks::worker::Delivered {
        self.webhooks.deliver_pending().await.unwrap()
    }

    /// The backend of the app's database.
    pub fn backend(&self) -> Backend {
        self._db.backend()
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(format!("{}{path}", self.address))
            .send()
            .await
            .unwrap()
    }

    pub async fn get_json(&self, path: &str) -> (u16, serde_json::Value) {
        let response = self.get(path).await;
        let status = response.status().as_u16();
        (status, response.json().await.unwrap())
    }

    /// GET expecting the refusal `/problems/{kind}` with `status`; returns the problem
    /// document.
    pub async fn get_problem(&self, path: &str, status: u16, kind: &str) -> serde_json::Value {
        let response = self.get(path).await;
        assert_eq!(response.status().as_u16(), status, "{path}");
        assert_eq!(
            response.headers()["content-type"],
            "application/problem+json",
            "{path}"
        );
        let problem: serde_json::Value = response.json().await.unwrap();
        assert_eq!(problem["status"], status);
        assert_eq!(
            problem["type"],
            format!("/problems/{kind}"),
            "{path}: {problem}"
        );
        assert!(!problem["detail"].as_str().unwrap().is_empty());
        assert!(!problem["detail_de"].as_str().unwrap().is_empty());
        problem
    }

    /// The test database's URL (to reach into it where a test must set up the past).
    pub fn database_url(&self) -> &str {
        &self._db.url
    }

    /// Creates an account directly in the database (as `add-clerk` does).
    pub async fn create_account(
        &self,
        email: &str,
        password: &str,
        is_admin: bool,
        authorities: &[&str],
    ) {
        let store = buergerbuero::store::connect(&self._db.url, 1)
            .await
            .unwrap();
        buergerbuero::accounts::create_account(
            &*store,
            buergerbuero::accounts::AccountInput {
                email: email.into(),
                display_name: None,
                password: Some(password.into()),
                is_admin,
                authorities: authorities.iter().map(|a| a.to_string()).collect(),
            },
            chrono::Utc::now(),
        )
        .await
        .unwrap();
    }

    /// Starts another server on this app's database, as a second instance of the service
    /// would run beside the first; `adjust` changes its settings.
    pub async fn spawn_instance(&self, adjust: impl FnOnce(&mut Settings)) -> Instance {
        let data = Scratch::new("data");
        let mut settings = settings_for_url(&self._db.url, &data.0);
        adjust(&mut settings);
        let app = Application::build(settings).await.unwrap();
        let address = format!("http://127.0.0.1:{}", app.port());
        let handle = app.handle();
        tokio::spawn(app.run_until_stopped());
        Instance {
            address,
            handle,
            _data: data,
        }
    }

    /// The server's data directory (photos, `.eml` mails).
    pub fn data_dir(&self) -> &Path {
        &self._data.0
    }

    /// The PostgreSQL database name (PostgreSQL tests only).
    pub fn database_name(&self) -> &str {
        self._db.pg_name.as_deref().unwrap()
    }

    pub async fn stop(self) {
        self.handle.stop(true).await;
    }

    /// Stops the server and hands its database and data directory over instead of removing
    /// them (its background tasks end with the runtime it was started on).
    pub async fn stop_keeping_data(self) -> (TestDatabase, Scratch) {
        self.handle.stop(true).await;
        (self._db, self._data)
    }
}

/// A server with moderation (the default), no email confirmation and no rate limit.
pub async fn clerk_app(backend: Backend, adjust: impl FnOnce(&mut Settings)) -> TestApp {
    TestApp::spawn_with(TestDatabase::new(backend), |s| {
        s.email_confirmation = buergerbuero::config::EmailConfirmation::Off;
        s.rate_limit.reports_per_hour = 0;
        adjust(s);
    })
    .await
}

/// A server that publishes at once, needs no email confirmation and has no rate limit.
pub async fn open_app(backend: Backend) -> TestApp {
    TestApp::spawn_with(TestDatabase::new(backend), |s| {
        s.moderation = buergerbuero::config::Moderation::Off;
        s.email_confirmation = buergerbuero::config::EmailConfirmation::Off;
        s.rate_limit.reports_per_hour = 0;
    })
    .await
}

/// A further server on a `TestApp`'s database (`TestApp::spawn_instance`).
pub struct Instance {
    pub address: String,
    handle: actix_web::dev::ServerHandle,
    _data: Scratch,
}

impl Instance {
    pub async fn stop(self) {
        self.handle.stop(true).await;
    }
}

/// Runs a test body once per backend, as two tests: `name::sqlite` and `name::postgres`.
#[macro_export]
macro_rules! both_backends {
    ($name:ident, $body:expr) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                ($body)($crate::helpers::Backend::Sqlite).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                ($body)($crate::helpers::Backend::Postgres).await;
            }
        }
    };
}
