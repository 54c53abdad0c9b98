//! Paging for lists that can be long (applications, a queue, drafts, the audit trail): a
//! caller asks for a window and is told whether the list goes on, so a script exporting a
//! center's day can tell "all of it" from "the first page of it".

use rusqlite::{Connection, Row, ToSql, params_from_iter};
use serde::{Deserialize, Serialize};

use crate::Result;

/// At most `limit` items, skipping the first `offset`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PageRequest {
    pub limit: u32,
    pub offset: u64,
}

impl PageRequest {
    /// The first `limit` items.
    pub fn first(limit: u32) -> PageRequest {
        PageRequest { limit, offset: 0 }
    }
}

/// One window of a list, with the size of the whole list and where the next window starts
/// (`None` when this one reaches the end).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: u64,
    pub next_offset: Option<u64>,
}

impl<T> Page<T> {
    /// Items after this page.
    pub fn remaining(&self) -> u64 {
        match self.next_offset {
            Some(next) => self.total.saturating_sub(next),
            None => 0,
        }
    }

    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            items: self.items.into_iter().map(f).collect(),
            total: self.total,
            next_offset: self.next_offset,
        }
    }
}

/// Runs `select` (a full SELECT with its ORDER BY, no LIMIT) for one window, and counts
/// what `select` would return in full in the same read, so total and items agree.
pub(crate) fn query_page<T>(
    conn: &Connection,
    select: &str,
    args: &[&dyn ToSql],
    page: PageRequest,
    from_row: impl FnMut(&Row<'_>) -> rusqlite::Result<T>,
) -> Result<Page<T>> {
    // One read transaction: a filing committed between the count and the window would
    // otherwise make the total disagree with the items.
    let tx = conn.unchecked_transaction()?;
    let total: i64 = tx.query_row(
        &format!("SELECT count(*) FROM ({select})"),
        params_from_iter(args.iter()),
        |r| r.get(0),
    )?;
    let total = u64::try_from(total).unwrap_or(0);
    let offset = i64::try_from(page.offset).unwrap_or(i64::MAX);
    let mut all: Vec<&dyn ToSql> = args.to_vec();
    let limit = i64::from(page.limit);
    all.push(&limit);
    all.push(&offset);
    let sql = format!(
        "{select} LIMIT ?{} OFFSET ?{}",
        args.len() + 1,
        args.len() + 2
    );
    let items: Vec<T> = {
        let mut stmt = tx.prepare(&sql)?;
        let rows = stmt.query_map(params_from_iter(all.iter()), from_row)?;
        rows.collect::<std::result::Result<_, _>>()?
    };
    tx.commit()?;
    let end = page.offset + items.len() as u64;
    Ok(Page {
        next_offset: (end < total).then_some(end),
        total,
        items,
    })
}
