//! Column types that decode alike from both backends.
//!
//! sqlx's `Any` driver knows integers, floats, text and bytes, not chrono or booleans stored as
//! integers, and the schemas keep times as text (`2026-12-04T10:00:00.000Z`) and flags as `0`/`1`
//! on both backends. Row structs keep their natural field types and name one of these as the
//! column's stored form: `#[sqlx(try_from = "Stamp")] pub created_at: DateTime<Utc>`. Binding
//! goes the other way: [`stamp`] for a time, `i64::from` for a flag (PostgreSQL refuses a
//! boolean for an integer column).

use chrono::{DateTime, SecondsFormat, Utc};

/// A time as stored: text in the schemas' one format.
#[derive(Debug, Clone, sqlx::Type)]
#[sqlx(transparent)]
pub struct Stamp(String);

/// An optional time as stored.
#[derive(Debug, Clone, sqlx::Type)]
#[sqlx(transparent)]
pub struct MaybeStamp(Option<String>);

/// A flag as stored: `0` or `1`.
#[derive(Debug, Clone, Copy, sqlx::Type)]
#[sqlx(transparent)]
pub struct Flag(i64);

/// An optional flag as stored.
#[derive(Debug, Clone, Copy, sqlx::Type)]
#[sqlx(transparent)]
pub struct MaybeFlag(Option<i64>);

/// A stored time that is not one.
#[derive(Debug, thiserror::Error)]
#[error("stored time {text:?} is not an RFC 3339 time: {source}")]
pub struct BadStamp {
    text: String,
    source: chrono::ParseError,
}

fn parse(text: String) -> Result<DateTime<Utc>, BadStamp> {
    match DateTime::parse_from_rfc3339(&text) {
        Ok(at) => Ok(at.with_timezone(&Utc)),
        Err(source) => Err(BadStamp { text, source }),
    }
}

impl TryFrom<Stamp> for DateTime<Utc> {
    type Error = BadStamp;

    fn try_from(stamp: Stamp) -> Result<Self, BadStamp> {
        parse(stamp.0)
    }
}

impl TryFrom<MaybeStamp> for Option<DateTime<Utc>> {
    type Error = BadStamp;

    fn try_from(stamp: MaybeStamp) -> Result<Self, BadStamp> {
        stamp.0.map(parse).transpose()
    }
}

impl From<Flag> for bool {
    fn from(flag: Flag) -> bool {
        flag.0 != 0
    }
}

impl From<MaybeFlag> for Option<bool> {
    fn from(flag: MaybeFlag) -> Option<bool> {
        flag.0.map(|value| value != 0)
    }
}

/// `at` in the stored form, for binding: the text orders as the instants do.
pub fn stamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Millis, true)
}

impl From<BadStamp> for super::DbError {
    fn from(err: BadStamp) -> Self {
        super::DbError::Other(sqlx::Error::Decode(Box::new(err)))
    }
}
