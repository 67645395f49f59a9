//! Test-only helpers, compiled for this crate's own tests and, for other crates' tests, behind
//! the cargo feature `testing` (a dev-dependency feature; never enable it in a shipped build).
//!
//! [`ScratchDatabase`]: a fresh PostgreSQL database per test on the server whose admin URL is
//! in [`POSTGRES_ENV`] (`scripts/postgres.sh start` prints one), so PostgreSQL tests run in
//! parallel. Unset, the test is skipped with a note; set but unreachable, the test fails.

use sqlx::{Connection, PgConnection};
use std::sync::atomic::{AtomicU32, Ordering};

/// The variable naming the admin URL of the throwaway PostgreSQL server.
pub const POSTGRES_ENV: &str = "IDGW_TEST_POSTGRES_URL";

/// A database created for one test, dropped by [`ScratchDatabase::drop_database`] once the
/// test has passed (a failed test leaves it behind for inspection).
pub struct ScratchDatabase {
    admin: String,
    name: String,
}

impl ScratchDatabase {
    /// Creates a database with a name no other test (or test process) uses, or returns `None`
    /// after noting on stderr that `what` was skipped, when [`POSTGRES_ENV`] is unset.
    pub async fn create(what: &str) -> Option<ScratchDatabase> {
        let Some(admin) = std::env::var(POSTGRES_ENV).ok().filter(|u| !u.is_empty()) else {
            use std::io::Write;
            // Written to the real stderr, past the test harness's capture, so a skip shows.
            let line = format!("SKIPPED {what}: set {POSTGRES_ENV} (scripts/postgres.sh start)\n");
            let _ = std::io::stderr().lock().write_all(line.as_bytes());
            return None;
        };
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let name = format!(
            "t_{}_{}_{nanos}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        let mut conn = PgConnection::connect(&admin)
            .await
            .unwrap_or_else(|e| panic!("{POSTGRES_ENV} is set but PostgreSQL is unreachable: {e}"));
        sqlx::raw_sql(&format!("CREATE DATABASE {name}"))
            .execute(&mut conn)
            .await
            .expect("CREATE DATABASE");
        conn.close().await.ok();
        Some(ScratchDatabase { admin, name })
    }

    /// The database's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The URL of this database: the admin URL with another database.
    pub fn url(&self) -> String {
        with_database(&self.admin, &self.name)
    }

    /// Drops the database, ending any connection still open on it.
    pub async fn drop_database(self) {
        let mut conn = PgConnection::connect(&self.admin)
            .await
            .expect("admin connection");
        // FORCE ends pools' connections, still open in the background.
        sqlx::raw_sql(&format!("DROP DATABASE {} WITH (FORCE)", self.name))
            .execute(&mut conn)
            .await
            .expect("DROP DATABASE");
        conn.close().await.ok();
    }
}

/// `url` with its database (the path) replaced by `name`, keeping any query string.
fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (url, None),
    };
    let authority = base.find("://").map_or(0, |i| i + 3);
    let path = base[authority..]
        .find('/')
        .map_or(base.len(), |i| authority + i);
    let mut out = format!("{}/{name}", &base[..path]);
    if let Some(query) = query {
        out.push('?');
        out.push_str(query);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::with_database;

    #[test]
    fn database_replaced_in_url() {
        assert_eq!(
            with_database("postgres://u:p@127.0.0.1:5432/postgres", "t_1"),
            "postgres://u:p@127.0.0.1:5432/t_1"
        );
        assert_eq!(
            with_database("postgresql://h?sslmode=disable", "t_1"),
            "postgresql://h/t_1?sslmode=disable"
        );
    }
}
