//! `buergerbuero move-data --to postgres://…`: moves a SQLite installation's database into a new
//! PostgreSQL database — every table, in one transaction on the target, with the row counts
//! checked before it commits. Photo files are not touched (`photos copy` moves those).
//!
//! Both databases are migrated first with this binary's migrations, so their tables and
//! columns match (checked, not assumed). The source is read in one read transaction, a
//! consistent snapshot; each value is read as the Rust type its PostgreSQL column takes
//! ([`values`]). The target transaction locks every table, refuses a database that already
//! holds data, replaces the rows the migrations seed (default categories, routing rules,
//! answer templates) with the source's, copies, advances the identity sequences past the
//! copied ids, and compares each table's count with the source's: all rows or none.

mod values;

use std::collections::BTreeSet;
use std::fmt;

use anyhow::{Context, bail};
use futures_util::TryStreamExt;
use sqlx::{AssertSqlSafe, PgConnection, SqliteConnection};
use uuid::Uuid;

use super::BoundaryStore;
use super::postgres::PgStore;
use super::sqlite::SqliteStore;
use values::{Kind, Value};

/// Every table of the schema, parents before the tables whose foreign keys name them. The
/// move refuses a source with a table not listed here, and a test compares the list with both
/// migrated schemas, so a migration that adds a table cannot be forgotten here.
pub const TABLES: &[&str] = &[
    "authorities",
    "boundary_sources",
    "areas",
    "categories",
    "routing_rules",
    // Before reports: a report names the clerk assigned to it.
    "accounts",
    "reports",
    "report_events",
    "report_photos",
    "idempotency_keys",
    "report_cells",
    "report_cell_changes",
    "map_version",
    "map_region_versions",
    "account_authorities",
    "sessions",
    "api_tokens",
    "login_attempts",
    "rate_limit_buckets",
    "answer_templates",
    "outbox",
    "report_followers",
    "mail_tokens",
    "citizen_feedback",
    "alert_subscriptions",
    "report_supporters",
    "open311_api_keys",
    "installation_secrets",
    "webhook_endpoints",
    "webhook_deliveries",
    "authority_delivery",
    "backoffice_deliveries",
];

/// Tables the migrations fill (the default catalogue, answer templates, the map version), so a new database
/// holds rows there: they are emptied and take the source's rows instead. Children first.
const SEEDED: &[&str] = &[
    "routing_rules",
    "answer_templates",
    "categories",
    "map_version",
];

/// `(table, key, column)`: a UUID column naming a row of its own table (a duplicate names its
/// original). Written as NULL with the rows and set once the whole table is in, so the order
/// rows come in does not matter.
const SELF_REFERENCES: &[(&str, &str, &str)] = &[("reports", "id", "duplicate_of")];

/// PostgreSQL's limit of parameters in one statement.
const MAX_PARAMETERS: usize = 65_535;

/// Most rows one `insert` writes: few statements, and bounded memory with large rows (area
/// outlines). Foreign keys are checked per statement, so only rows in different batches
/// depend on their order.
pub const MAX_BATCH_ROWS: usize = 500;

/// How long the target's tables may take to lock before the move gives up (another program
/// using the target database holds them).
const LOCK_TIMEOUT: &str = "10s";

/// What a move copied: each table with its rows, equal on both sides.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MoveReport {
    /// `(table, rows)` in copy order.
    pub tables: Vec<(&'static str, u64)>,
}

impl fmt::Display for MoveReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let rows: u64 = self.tables.iter().map(|(_, n)| n).sum();
        writeln!(
            f,
            "moved {rows} rows in {} tables into PostgreSQL (one transaction; the row count of \
             every table equals the source's):",
            self.tables.len()
        )?;
        for (table, n) in &self.tables {
            writeln!(f, "  {table:<22} {n:>10}")?;
        }
        Ok(())
    }
}

/// A column of a table, with its PostgreSQL type.
struct Column {
    name: String,
    kind: Kind,
}

/// A table as both databases have it.
struct Table {
    name: &'static str,
    columns: Vec<Column>,
    /// Its identity column (PostgreSQL `generated always as identity`, SQLite `autoincrement`).
    identity: Option<String>,
}

impl Table {
    fn index(&self, column: &str) -> anyhow::Result<usize> {
        self.columns
            .iter()
            .position(|c| c.name == column)
            .with_context(|| format!("{} has no column {column}", self.name))
    }
}

/// Copies the SQLite database at `source_url` into the PostgreSQL database at `target_url`,
/// which is migrated first if needed and must hold no data. `progress` hears a line per table.
pub async fn move_data(
    source_url: &str,
    target_url: &str,
    progress: &mut (dyn FnMut(&str) + Send),
) -> anyhow::Result<MoveReport> {
    if !source_url.starts_with("sqlite:") {
        bail!("move-data copies from SQLite, but BUERGERBUERO_DATABASE_URL names another database");
    }
    if !(target_url.starts_with("postgres://") || target_url.starts_with("postgresql://")) {
        bail!("--to must be a postgres:// URL");
    }
    let file = crate::backup::sqlite_file(source_url)?;
    if !file.is_file() {
        bail!(
            "there is no SQLite database at {} (BUERGERBUERO_DATABASE_URL)",
            file.display()
        );
    }
    let source = SqliteStore::connect(source_url, 1).await?;
    source
        .migrate()
        .await
        .context("migrating the SQLite database")?;
    let target = PgStore::connect(target_url, 1)
        .await
        .context("the target database (--to)")?;
    target
        .migrate()
        .await
        .context("migrating the PostgreSQL database")?;

    // A deferred SQLite transaction reads one snapshot from its first statement on.
    let mut read = source.pool().begin().await?;
    let mut write = target.pool().begin().await?;
    let tables = schema(&mut read, &mut write).await?;
    lock_and_check_empty(&mut write).await?;
    for table in SEEDED {
        sqlx::query(AssertSqlSafe(format!("delete from {table}")))
            .execute(&mut *write)
            .await
            .with_context(|| format!("emptying {table} of the migrations' rows"))?;
    }
    let mut copied = Vec::with_capacity(tables.len());
    for table in &tables {
        let rows = copy_table(&mut read, &mut write, table).await?;
        progress(&format!("copied {:<22} {rows:>10} rows", table.name));
        copied.push((table.name, rows));
    }
    for table in &tables {
        advance_identity(&mut read, &mut write, table).await?;
    }
    for (table, rows) in &copied {
        let count = |db: &str| format!("counting the rows of {table} in {db}");
        let sql = format!("select count(*) from {table}");
        let in_source: i64 = sqlx::query_scalar(AssertSqlSafe(sql.clone()))
            .fetch_one(&mut *read)
            .await
            .with_context(|| count("SQLite"))?;
        let in_target: i64 = sqlx::query_scalar(AssertSqlSafe(sql))
            .fetch_one(&mut *write)
            .await
            .with_context(|| count("PostgreSQL"))?;
        if u64::try_from(in_source).ok() != Some(*rows) || in_target != in_source {
            bail!(
                "{table}: SQLite holds {in_source} rows, {rows} were copied, PostgreSQL holds \
                 {in_target}; nothing was written"
            );
        }
    }
    // The snapshot ends first: nothing that can fail comes after the commit.
    read.rollback().await?;
    write
        .commit()
        .await
        .context("committing the copy in PostgreSQL")?;
    Ok(MoveReport { tables: copied })
}

/// The tables to copy with their columns, after checking that SQLite has exactly [`TABLES`]
/// and that each has the same columns in both databases.
async fn schema(
    read: &mut SqliteConnection,
    write: &mut PgConnection,
) -> anyhow::Result<Vec<Table>> {
    let in_source: BTreeSet<String> = sqlx::query_scalar(
        "select name from sqlite_master where type = 'table'
           and name not like 'sqlite\\_%' escape '\\' and name <> '_sqlx_migrations'",
    )
    .fetch_all(&mut *read)
    .await
    .context("listing the SQLite tables")?
    .into_iter()
    .collect();
    let known: BTreeSet<String> = TABLES.iter().map(|t| t.to_string()).collect();
    let unknown: Vec<&String> = in_source.difference(&known).collect();
    if !unknown.is_empty() {
        bail!(
            "the SQLite database has tables move-data does not know: {unknown:?} (a bug: \
             store::move_data::TABLES must name every table); nothing was written"
        );
    }
    let mut tables = Vec::with_capacity(TABLES.len());
    for &name in TABLES {
        let source_columns: Vec<String> =
            sqlx::query_scalar("select name from pragma_table_info($1) order by cid")
                .bind(name)
                .fetch_all(&mut *read)
                .await
                .with_context(|| format!("reading the columns of {name} in SQLite"))?;
        let target_columns: Vec<(String, String, String)> = sqlx::query_as(
            "select column_name::text, data_type::text, is_identity::text
             from information_schema.columns
             where table_schema = current_schema() and table_name = $1
             order by ordinal_position",
        )
        .bind(name)
        .fetch_all(&mut *write)
        .await
        .with_context(|| format!("reading the columns of {name} in PostgreSQL"))?;
        let source_set: BTreeSet<&str> = source_columns.iter().map(String::as_str).collect();
        let target_set: BTreeSet<&str> = target_columns.iter().map(|c| c.0.as_str()).collect();
        if source_set.is_empty() || source_set != target_set {
            bail!(
                "{name} has the columns {source_set:?} in SQLite but {target_set:?} in \
                 PostgreSQL; nothing was written"
            );
        }
        let mut table = Table {
            name,
            columns: Vec::with_capacity(target_columns.len()),
            identity: None,
        };
        for (column, data_type, is_identity) in target_columns {
            let kind = Kind::of(&data_type).with_context(|| {
                format!("move-data cannot copy {name}.{column} of PostgreSQL type {data_type}")
            })?;
            if is_identity == "YES" {
                table.identity = Some(column.clone());
            }
            table.columns.push(Column { name: column, kind });
        }
        tables.push(table);
    }
    Ok(tables)
}

/// Locks every table (a service started on the target meanwhile waits until the move is
/// done) and refuses a database with data in it: the move never merges.
async fn lock_and_check_empty(write: &mut PgConnection) -> anyhow::Result<()> {
    sqlx::query(AssertSqlSafe(format!(
        "set local lock_timeout = '{LOCK_TIMEOUT}'"
    )))
    .execute(&mut *write)
    .await?;
    sqlx::query(AssertSqlSafe(format!(
        "lock table {} in access exclusive mode",
        TABLES.join(", ")
    )))
    .execute(&mut *write)
    .await
    .context("locking the PostgreSQL tables (is a service using the target database?)")?;
    let mut filled = Vec::new();
    for table in TABLES.iter().filter(|t| !SEEDED.contains(t)) {
        let any: bool = sqlx::query_scalar(AssertSqlSafe(format!(
            "select exists (select 1 from {table})"
        )))
        .fetch_one(&mut *write)
        .await
        .with_context(|| format!("looking into {table} in PostgreSQL"))?;
        if any {
            filled.push(*table);
        }
    }
    if !filled.is_empty() {
        bail!(
            "the PostgreSQL database is not empty ({} hold rows): move-data copies only into \
             a new database (createdb), never over or beside existing data; nothing was written",
            filled.join(", ")
        );
    }
    Ok(())
}

/// Copies one table in batches; returns the rows copied.
async fn copy_table(
    read: &mut SqliteConnection,
    write: &mut PgConnection,
    table: &Table,
) -> anyhow::Result<u64> {
    let names: Vec<&str> = table.columns.iter().map(|c| c.name.as_str()).collect();
    let select = format!("select {} from {}", names.join(", "), table.name);
    let self_reference = match SELF_REFERENCES.iter().find(|(t, _, _)| *t == table.name) {
        Some((_, key, column)) => Some((table.index(key)?, table.index(column)?)),
        None => None,
    };
    let per_batch = (MAX_PARAMETERS / table.columns.len()).clamp(1, MAX_BATCH_ROWS);
    let mut batch: Vec<Vec<Value>> = Vec::with_capacity(per_batch);
    let mut links: Vec<(Uuid, Uuid)> = Vec::new();
    let mut copied = 0u64;
    let mut rows = sqlx::query(AssertSqlSafe(select)).fetch(&mut *read);
    while let Some(row) = rows
        .try_next()
        .await
        .with_context(|| format!("reading {} from SQLite", table.name))?
    {
        let mut values = Vec::with_capacity(table.columns.len());
        for (index, column) in table.columns.iter().enumerate() {
            values.push(
                Value::read(&row, index, column.kind)
                    .with_context(|| format!("reading {}.{}", table.name, column.name))?,
            );
        }
        if let Some((key, column)) = self_reference {
            let null = Value::null(table.columns[column].kind);
            let link = std::mem::replace(&mut values[column], null);
            match (&values[key], link) {
                (Value::Uuid(Some(id)), Value::Uuid(Some(to))) => links.push((*id, to)),
                (_, Value::Uuid(None)) => {}
                _ => bail!("{}: self-references must be UUIDs", table.name),
            }
        }
        batch.push(values);
        if batch.len() == per_batch {
            insert(write, table, &batch).await?;
            copied += batch.len() as u64;
            batch.clear();
        }
    }
    drop(rows);
    if !batch.is_empty() {
        insert(write, table, &batch).await?;
        copied += batch.len() as u64;
    }
    if let Some((key, column)) = self_reference {
        let (key, column) = (&table.columns[key].name, &table.columns[column].name);
        for chunk in links.chunks(MAX_BATCH_ROWS * 10) {
            let (ids, to): (Vec<Uuid>, Vec<Uuid>) = chunk.iter().copied().unzip();
            sqlx::query(AssertSqlSafe(format!(
                "update {t} set {column} = link.target
                 from unnest($1::uuid[], $2::uuid[]) as link (id, target)
                 where {t}.{key} = link.id",
                t = table.name
            )))
            .bind(ids)
            .bind(to)
            .execute(&mut *write)
            .await
            .with_context(|| format!("setting {}.{column}", table.name))?;
        }
    }
    Ok(copied)
}

/// Writes one batch of rows with one `insert`.
async fn insert(
    write: &mut PgConnection,
    table: &Table,
    rows: &[Vec<Value>],
) -> anyhow::Result<()> {
    let width = table.columns.len();
    let names: Vec<&str> = table.columns.iter().map(|c| c.name.as_str()).collect();
    // The copied ids are kept: identity columns take them only when told to.
    let overriding = if table.identity.is_some() {
        "overriding system value "
    } else {
        ""
    };
    let mut sql = format!(
        "insert into {} ({}) {overriding}values ",
        table.name,
        names.join(", ")
    );
    for row in 0..rows.len() {
        let placeholders: Vec<String> = (1..=width)
            .map(|column| format!("${}", row * width + column))
            .collect();
        if row > 0 {
            sql.push_str(", ");
        }
        sql.push('(');
        sql.push_str(&placeholders.join(", "));
        sql.push(')');
    }
    let mut query = sqlx::query(AssertSqlSafe(sql));
    for value in rows.iter().flatten() {
        query = value.bind(query);
    }
    query
        .execute(&mut *write)
        .await
        .with_context(|| format!("writing {} into PostgreSQL", table.name))?;
    Ok(())
}

/// Sets the identity sequence of `table` so that the next row gets an id above every copied
/// one — and above every id SQLite ever handed out (`sqlite_sequence`), since `autoincrement`
/// promises that an id of a deleted row is never used again.
async fn advance_identity(
    read: &mut SqliteConnection,
    write: &mut PgConnection,
    table: &Table,
) -> anyhow::Result<()> {
    let Some(column) = &table.identity else {
        return Ok(());
    };
    let handed_out: Option<i64> = sqlx::query_scalar(
        // SQLite creates `sqlite_sequence` with the first `autoincrement` table.
        "select seq from sqlite_sequence where name = $1",
    )
    .bind(table.name)
    .fetch_optional(&mut *read)
    .await
    .with_context(|| format!("reading SQLite's last id of {}", table.name))?;
    let copied: Option<i64> = sqlx::query_scalar(AssertSqlSafe(format!(
        "select max({column}) from {}",
        table.name
    )))
    .fetch_one(&mut *write)
    .await?;
    let next = copied.unwrap_or(0).max(handed_out.unwrap_or(0)) + 1;
    sqlx::query("select setval(pg_get_serial_sequence($1, $2), $3, false)")
        .bind(table.name)
        .bind(column)
        .bind(next)
        .execute(&mut *write)
        .await
        .with_context(|| format!("advancing the identity of {}.{column}", table.name))?;
    Ok(())
}
