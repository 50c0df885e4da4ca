//! The statements of a membership change (`store::membership_change`) on a rusqlite
//! connection, for the thread that commits SQLite's batches of changes. Each runs at
//! once on the calling thread, so the futures they return are ready when made.

use std::future::{Future, ready};

use rusqlite::types::{ToSql, ToSqlOutput, ValueRef};
use rusqlite::{Connection, Statement};

use crate::store::error::Result;
use crate::store::membership_change::{Param, Statements};
use crate::store::rows::Columns;

/// A rusqlite connection inside its write transaction. Held mutably: a shared
/// `&Connection` cannot move between threads, and the change's future must be able to.
pub(super) struct RusqliteStatements<'c>(pub(super) &'c mut Connection);

impl Statements for RusqliteStatements<'_> {
    fn lock_room(&mut self, _room_id: &str) -> impl Future<Output = Result<bool>> + Send {
        // The write transaction holds the database's one write lock already.
        ready(Ok(true))
    }

    fn execute(
        &mut self,
        sql: &'static str,
        params: &[Param<'_>],
    ) -> impl Future<Output = Result<()>> + Send {
        ready(self.run(sql, params))
    }

    fn rows<T: Send + 'static>(
        &mut self,
        sql: &'static str,
        params: &[Param<'_>],
        read: fn(&dyn Columns) -> Result<T>,
    ) -> impl Future<Output = Result<Vec<T>>> + Send {
        ready(self.read(sql, params, read))
    }
}

impl RusqliteStatements<'_> {
    fn run(&self, sql: &'static str, params: &[Param<'_>]) -> Result<()> {
        let mut statement = self.0.prepare_cached(sql)?;
        bind(&mut statement, params)?;
        statement.raw_execute()?;
        Ok(())
    }

    fn read<T>(
        &self,
        sql: &'static str,
        params: &[Param<'_>],
        read: fn(&dyn Columns) -> Result<T>,
    ) -> Result<Vec<T>> {
        let mut statement = self.0.prepare_cached(sql)?;
        bind(&mut statement, params)?;
        let mut rows = statement.raw_query();
        let mut read_rows = Vec::new();
        while let Some(row) = rows.next()? {
            read_rows.push(read(row)?);
        }
        Ok(read_rows)
    }
}

/// Binds `params[n - 1]` to `$n` by name. SQLite numbers named parameters in order of
/// first appearance, so binding by position would fill a text that names `$2` before
/// `$1` the wrong way round.
fn bind(statement: &mut Statement<'_>, params: &[Param<'_>]) -> rusqlite::Result<()> {
    for (index, param) in params.iter().enumerate() {
        let name = format!("${}", index + 1);
        let at = statement
            .parameter_index(&name)?
            .ok_or(rusqlite::Error::InvalidParameterName(name))?;
        statement.raw_bind_parameter(at, param)?;
    }
    Ok(())
}

impl ToSql for Param<'_> {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::Borrowed(match *self {
            Param::Text(text) | Param::MaybeText(Some(text)) => ValueRef::Text(text.as_bytes()),
            Param::MaybeText(None) => ValueRef::Null,
            Param::Integer(integer) => ValueRef::Integer(integer),
        }))
    }
}
