//! One column's values on their way from SQLite to PostgreSQL: read from a SQLite row as the
//! Rust type the PostgreSQL column takes, the way the store reads them (UUIDs from 16-byte
//! blobs, timestamps from text, booleans from 0/1), and bound to a PostgreSQL statement.

use anyhow::Context;
use chrono::{DateTime, Utc};
use sqlx::postgres::PgArguments;
use sqlx::sqlite::SqliteRow;
use sqlx::{Postgres, Row};
use uuid::Uuid;

/// A PostgreSQL column type the schema uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    Text,
    Int,
    BigInt,
    Double,
    Bool,
    Bytes,
    Uuid,
    Time,
}

impl Kind {
    /// The kind of a column from its `information_schema.columns.data_type`; `None` for a type
    /// the schema does not use (then `move-data` refuses rather than guess).
    pub(super) fn of(data_type: &str) -> Option<Self> {
        Some(match data_type {
            "text" => Self::Text,
            "integer" => Self::Int,
            "bigint" => Self::BigInt,
            "double precision" => Self::Double,
            "boolean" => Self::Bool,
            "bytea" => Self::Bytes,
            "uuid" => Self::Uuid,
            "timestamp with time zone" => Self::Time,
            _ => return None,
        })
    }
}

/// One value, typed for PostgreSQL; `None` is SQL NULL.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Value {
    Text(Option<String>),
    Int(Option<i32>),
    BigInt(Option<i64>),
    Double(Option<f64>),
    Bool(Option<bool>),
    Bytes(Option<Vec<u8>>),
    Uuid(Option<Uuid>),
    Time(Option<DateTime<Utc>>),
}

impl Value {
    /// NULL of `kind`.
    pub(super) fn null(kind: Kind) -> Self {
        match kind {
            Kind::Text => Self::Text(None),
            Kind::Int => Self::Int(None),
            Kind::BigInt => Self::BigInt(None),
            Kind::Double => Self::Double(None),
            Kind::Bool => Self::Bool(None),
            Kind::Bytes => Self::Bytes(None),
            Kind::Uuid => Self::Uuid(None),
            Kind::Time => Self::Time(None),
        }
    }

    /// Column `index` of a SQLite row as `kind`. sqlx checks the stored value's SQLite type
    /// against the Rust type, so a value of the wrong type (text in a number column, a
    /// malformed UUID or timestamp) is an error, never silently converted.
    pub(super) fn read(row: &SqliteRow, index: usize, kind: Kind) -> anyhow::Result<Self> {
        Ok(match kind {
            Kind::Text => Self::Text(row.try_get(index)?),
            // SQLite integers are 64-bit; PostgreSQL's `integer` is not.
            Kind::Int => Self::Int(
                row.try_get::<Option<i64>, _>(index)?
                    .map(i32::try_from)
                    .transpose()
                    .context("the value does not fit a PostgreSQL integer")?,
            ),
            Kind::BigInt => Self::BigInt(row.try_get(index)?),
            Kind::Double => Self::Double(row.try_get(index)?),
            Kind::Bool => Self::Bool(row.try_get(index)?),
            Kind::Bytes => Self::Bytes(row.try_get(index)?),
            Kind::Uuid => Self::Uuid(row.try_get(index)?),
            Kind::Time => Self::Time(row.try_get(index)?),
        })
    }

    /// Binds the value as the next parameter of `query`.
    pub(super) fn bind<'q>(
        &self,
        query: sqlx::query::Query<'q, Postgres, PgArguments>,
    ) -> sqlx::query::Query<'q, Postgres, PgArguments> {
        match self {
            Self::Text(v) => query.bind(v),
            Self::Int(v) => query.bind(v),
            Self::BigInt(v) => query.bind(v),
            Self::Double(v) => query.bind(v),
            Self::Bool(v) => query.bind(v),
            Self::Bytes(v) => query.bind(v),
            Self::Uuid(v) => query.bind(v),
            Self::Time(v) => query.bind(v),
        }
    }
}
