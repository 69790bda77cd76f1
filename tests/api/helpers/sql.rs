//! Reaching into a test database to set up what the API cannot: the past (deadlines, idle
//! sessions, retry times), broken rows, counts. Each helper opens its own pool on the
//! database's URL, for either backend.

use chrono::{DateTime, Utc};

use super::{Backend, TestApp, TestDatabase};

/// Runs SQL statements on the database at `url`, stopping at the first failure; `$1`, where a
/// statement uses it, is bound to `at`.
pub async fn try_execute_at(
    url: &str,
    backend: Backend,
    statements: &[&str],
    at: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    // One body for both pool types: the statements and binds are the same.
    macro_rules! run_all {
        ($pool:expr) => {{
            let pool = $pool;
            let mut outcome = Ok(());
            for sql in statements {
                let query = sqlx::query(sqlx::AssertSqlSafe(sql.to_string()));
                let query = if sql.contains("$1") {
                    query.bind(at)
                } else {
                    query
                };
                if let Err(e) = query.execute(&pool).await {
                    outcome = Err(e);
                    break;
                }
            }
            pool.close().await;
            outcome
        }};
    }
    match backend {
        // sqlx enables SQLite's foreign keys on every connection by default.
        Backend::Sqlite => run_all!(sqlx::SqlitePool::connect(url).await?),
        Backend::Postgres => run_all!(sqlx::PgPool::connect(url).await?),
    }
}

/// Runs SQL statements on a test database, stopping at the first failure; `$1`, where used,
/// is the current time.
pub async fn try_execute(db: &TestDatabase, statements: &[&str]) -> Result<(), sqlx::Error> {
    // Migrated first (a no-op on the migrated templates).
    let store = buergerbuero::store::connect(&db.url, 2).await.unwrap();
    store.migrate().await.unwrap();
    drop(store);
    try_execute_at(&db.url, db.backend(), statements, Utc::now()).await
}

/// Runs SQL statements that must succeed (see `try_execute`).
pub async fn execute(db: &TestDatabase, statements: &[&str]) {
    try_execute(db, statements).await.unwrap();
}

/// The single number a query (`select count(*) …`) answers on the database at `url`.
pub async fn query_count(url: &str, backend: Backend, sql: &str) -> i64 {
    macro_rules! count {
        ($pool:expr) => {{
            let pool = $pool;
            let (n,): (i64,) = sqlx::query_as(sqlx::AssertSqlSafe(sql.to_string()))
                .fetch_one(&pool)
                .await
                .unwrap();
            pool.close().await;
            n
        }};
    }
    match backend {
        Backend::Sqlite => count!(sqlx::SqlitePool::connect(url).await.unwrap()),
        Backend::Postgres => count!(sqlx::PgPool::connect(url).await.unwrap()),
    }
}

impl TestApp {
    /// Runs SQL statements on the app's database that must succeed; `$1`, where a statement
    /// uses it, is bound to `at` (to set up the past: a deadline, an idle session, a retry).
    pub async fn execute_sql_at(&self, statements: &[&str], at: DateTime<Utc>) {
        try_execute_at(self.database_url(), self.backend(), statements, at)
            .await
            .unwrap();
    }

    /// Runs SQL statements on the app's database that must succeed.
    pub async fn execute_sql(&self, statements: &[&str]) {
        self.execute_sql_at(statements, Utc::now()).await;
    }
}
