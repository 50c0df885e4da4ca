//! Helpers the server's own tests share: its unit tests (the store suite) and its
//! integration and cluster tests. Not part of the server's API.

use std::path::Path;

use sqlx::Connection as _;

/// With `CHAT_TEST_STORE=postgres`, the URL of a PostgreSQL database of its own for a
/// test whose files are in `dir` (created once; a restart on the same directory finds
/// the same database); `None` otherwise. The server comes from the PG* variables that
/// `pg_virtualenv` sets.
///
/// # Panics
///
/// When a PG* variable is missing or the database cannot be created.
pub async fn postgres_database(dir: &Path) -> Option<String> {
    if std::env::var("CHAT_TEST_STORE").ok()? != "postgres" {
        return None;
    }
    let var = |name: &str| {
        std::env::var(name).unwrap_or_else(|_| panic!("{name} is not set: run under pg_virtualenv"))
    };
    let server = format!(
        "postgres://{}:{}@{}:{}",
        var("PGUSER"),
        var("PGPASSWORD"),
        var("PGHOST"),
        var("PGPORT")
    );
    let name: String = dir
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("dir")
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect::<String>()
        .to_ascii_lowercase();
    let database = format!("chat_test_{name}");
    let mut admin = sqlx::PgConnection::connect(&format!("{server}/postgres"))
        .await
        .expect("connect to PostgreSQL");
    let created = sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {database}")))
        .execute(&mut admin)
        .await;
    if let Err(e) = created {
        let exists =
            matches!(&e, sqlx::Error::Database(db) if db.code().as_deref() == Some("42P04"));
        assert!(exists, "creating {database}: {e}");
    }
    let _ = admin.close().await;
    Some(format!("{server}/{database}"))
}
