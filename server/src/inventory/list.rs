//! Pages of the inventory's lists: keyset paging with opaque cursors, so a deep page costs what
//! the first does.

use crate::db::Conn;
use crate::db::inventory_items::{self, Filter, ItemRow, Kind, Seek};
use crate::error::AppError;
use app::api::inventory::{DEFAULT_PAGE, MAX_PAGE, PageRequest, Sort};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// Separates the sort value from the id inside a cursor (neither can hold it).
const SEPARATOR: char = '\u{1f}';

/// A page of rows with the cursors around it.
pub struct Rows {
    /// The rows, in display order.
    pub rows: Vec<ItemRow>,
    /// Rows matching the filter on every page.
    pub total: u64,
    /// Cursor after the last row, when more follow.
    pub next: Option<String>,
    /// Cursor before the first row, when rows precede it.
    pub previous: Option<String>,
}

fn cursor(sort: Sort, row: &ItemRow) -> String {
    let value = match sort {
        Sort::Name => &row.sort_name,
        Sort::Newest | Sort::Oldest => &row.created_at,
    };
    URL_SAFE_NO_PAD.encode(format!("{value}{SEPARATOR}{}", row.id))
}

fn decode(field: &str, cursor: &str) -> Result<(String, String), AppError> {
    let refused = || {
        AppError::invalid(
            field,
            format!(
                "\"{field}\" is not a cursor of this list; use the `next` or `previous` of a page, or leave it out for the first page."
            ),
        )
    };
    let bytes = URL_SAFE_NO_PAD.decode(cursor.trim()).map_err(|_| refused())?;
    let text = String::from_utf8(bytes).map_err(|_| refused())?;
    let (value, id) = text.split_once(SEPARATOR).ok_or_else(refused)?;
    Ok((value.to_owned(), id.to_owned()))
}

/// Checks a page request's limit and cursors, naming the field at fault.
pub fn check(request: &PageRequest) -> Result<(u32, Seek), AppError> {
    let limit = request.limit.unwrap_or(DEFAULT_PAGE);
    if limit == 0 || limit > MAX_PAGE {
        return Err(AppError::invalid("limit", format!("A page holds 1 to {MAX_PAGE} rows; ask for fewer.")));
    }
    let seek = match (&request.after, &request.before) {
        (Some(_), Some(_)) => {
            return Err(AppError::invalid("before", "Give `after` or `before`, not both."));
        }
        (Some(after), None) => {
            let (value, id) = decode("after", after)?;
            Seek::After(value, id)
        }
        (None, Some(before)) => {
            let (value, id) = decode("before", before)?;
            Seek::Before(value, id)
        }
        (None, None) => Seek::First,
    };
    Ok((limit, seek))
}

/// One page of `kind` matching `filter`.
pub async fn page(
    conn: &mut Conn,
    connection_id: i64,
    kind: Kind,
    filter: &Filter<'_>,
    request: &PageRequest,
) -> Result<Rows, AppError> {
    let (limit, seek) = check(request)?;
    let total = inventory_items::count(conn, connection_id, kind, filter).await?;
    // One row more than asked says whether the list goes on in the direction read.
    let mut rows = inventory_items::page(conn, connection_id, kind, filter, request.sort, &seek, limit + 1).await?;
    let more = rows.len() > limit as usize;
    if more {
        match seek {
            Seek::Before(..) => {
                rows.remove(0);
            }
            _ => {
                rows.truncate(limit as usize);
            }
        }
    }
    let (has_next, has_previous) = match seek {
        Seek::First => (more, false),
        Seek::After(..) => (more, true),
        Seek::Before(..) => (true, more),
    };
    let next = has_next.then(|| rows.last().map(|r| cursor(request.sort, r))).flatten();
    let previous = has_previous.then(|| rows.first().map(|r| cursor(request.sort, r))).flatten();
    Ok(Rows { rows, total, next, previous })
}
