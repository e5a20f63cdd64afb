//! Queries assembled at run time (filters, keyset pages) with numbered parameters.
//!
//! sqlx's `QueryBuilder` writes the placeholders of the `Any` driver as `?`, which PostgreSQL
//! rejects; this one writes `$1`, `$2`, … which both backends bind by number.

use sqlx::any::AnyArguments;
use sqlx::error::BoxDynError;
use sqlx::{Any, Arguments, Encode, Type};
use std::fmt::Write;

/// SQL text and its arguments, built piece by piece.
#[derive(Default)]
pub struct Builder<'q> {
    sql: String,
    arguments: AnyArguments<'q>,
    count: usize,
    failed: Option<BoxDynError>,
}

impl<'q> Builder<'q> {
    /// Starts with `sql`.
    pub fn new(sql: impl Into<String>) -> Self {
        Builder { sql: sql.into(), ..Builder::default() }
    }

    /// Appends SQL text.
    pub fn push(&mut self, sql: impl std::fmt::Display) -> &mut Self {
        let _ = write!(self.sql, "{sql}");
        self
    }

    /// Appends a placeholder for `value`.
    pub fn push_bind<T>(&mut self, value: T) -> &mut Self
    where
        T: 'q + Encode<'q, Any> + Type<Any>,
    {
        if let Err(err) = self.arguments.add(value) {
            self.failed.get_or_insert(err);
        }
        self.count += 1;
        let _ = write!(self.sql, "${}", self.count);
        self
    }

    /// Appends `(…)` with a placeholder for each of `values`: an `IN` list. An empty list is
    /// `(NULL)`, which matches nothing on both backends (PostgreSQL rejects `()`).
    pub fn push_list<T>(&mut self, values: impl IntoIterator<Item = T>) -> &mut Self
    where
        T: 'q + Encode<'q, Any> + Type<Any>,
    {
        self.push("(");
        let mut empty = true;
        for value in values {
            self.push(if empty { "" } else { ", " }).push_bind(value);
            empty = false;
        }
        self.push(if empty { "NULL)" } else { ")" })
    }

    /// The query, for statements whose rows are not read.
    pub fn build_query(&mut self) -> Result<sqlx::query::Query<'_, Any, AnyArguments<'_>>, sqlx::Error> {
        let arguments = self.take()?;
        Ok(sqlx::query_with(&self.sql, arguments))
    }

    /// The query, for rows of `T`.
    pub fn build_query_as<T>(&mut self) -> Result<sqlx::query::QueryAs<'_, Any, T, AnyArguments<'_>>, sqlx::Error>
    where
        T: for<'r> sqlx::FromRow<'r, sqlx::any::AnyRow>,
    {
        let arguments = self.take()?;
        Ok(sqlx::query_as_with(&self.sql, arguments))
    }

    fn take(&mut self) -> Result<AnyArguments<'q>, sqlx::Error> {
        match self.failed.take() {
            Some(err) => Err(sqlx::Error::Encode(err)),
            None => Ok(std::mem::take(&mut self.arguments)),
        }
    }
}
