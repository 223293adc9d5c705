//! The case store: records as received, tokens, dispositions, the audit
//! log and the latest findings, in one SQLite file.
//!
//! The file is created on first start in WAL mode (readers do not wait for
//! the writer) and carries its schema version; [`MIGRATIONS`] are applied in
//! order, each once, inside a transaction. Records are kept as the JSON they
//! came in, keyed by kind and record id, so that ingesting the same record
//! again replaces it (idempotent) and the scan reads exactly what was
//! accepted.

use rusqlite::{Connection, OptionalExtension, params};
use std::path::Path;
use std::sync::Mutex;

/// Schema migrations, in order; the store's `user_version` says how many
/// have been applied.
const MIGRATIONS: &[&str] = &[
    // 1: the first schema.
    "CREATE TABLE records (
        kind TEXT NOT NULL,
        id TEXT NOT NULL,
        body TEXT NOT NULL,
        received_at INTEGER NOT NULL,
        PRIMARY KEY (kind, id)
    );
    CREATE TABLE tokens (
        id INTEGER PRIMARY KEY,
        hash TEXT NOT NULL UNIQUE,
        role TEXT NOT NULL,
        label TEXT NOT NULL,
        created_at INTEGER NOT NULL
    );
    CREATE TABLE dispositions (
        id INTEGER PRIMARY KEY,
        subject_kind TEXT NOT NULL,
        subject TEXT NOT NULL,
        members TEXT NOT NULL,
        status TEXT NOT NULL,
        note TEXT NOT NULL,
        token_id INTEGER NOT NULL,
        at INTEGER NOT NULL
    );
    CREATE INDEX dispositions_subject ON dispositions (subject_kind, subject);
    CREATE TABLE audit (
        id INTEGER PRIMARY KEY,
        at INTEGER NOT NULL,
        token_id INTEGER,
        action TEXT NOT NULL,
        subject TEXT NOT NULL
    );
    CREATE TABLE findings (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        body TEXT NOT NULL,
        at INTEGER NOT NULL
    );",
];

pub struct Store {
    conn: Mutex<Connection>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Disposition {
    pub subject_kind: String,
    pub subject: String,
    /// The actor's personas when it was decided (for an actor).
    pub members: Vec<String>,
    pub status: String,
    pub note: String,
    pub token_id: i64,
    pub at: i64,
}

#[derive(Clone, Debug, PartialEq)]
pub struct AuditEntry {
    pub at: i64,
    pub token_id: Option<i64>,
    pub action: String,
    pub subject: String,
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

type Result<T> = std::result::Result<T, String>;

fn db_err(e: rusqlite::Error) -> String {
    format!("store: {e}")
}

impl Store {
    /// Opens (creating it if needed) the store at `path`, and migrates it.
    pub fn open(path: &Path) -> Result<Store> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        }
        let mut conn =
            Connection::open(path).map_err(|e| format!("cannot open {}: {e}", path.display()))?;
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(db_err)?;
        conn.pragma_update(None, "synchronous", "NORMAL")
            .map_err(db_err)?;
        conn.busy_timeout(std::time::Duration::from_secs(5))
            .map_err(db_err)?;
        let version: usize = conn
            .query_row("PRAGMA user_version", [], |r| r.get::<_, i64>(0))
            .map_err(db_err)? as usize;
        if version > MIGRATIONS.len() {
            return Err(format!(
                "{} has schema version {version}, newer than this unmask ({}): upgrade unmask",
                path.display(),
                MIGRATIONS.len()
            ));
        }
        for (i, m) in MIGRATIONS.iter().enumerate().skip(version) {
            let tx = conn.transaction().map_err(db_err)?;
            tx.execute_batch(m).map_err(db_err)?;
            tx.pragma_update(None, "user_version", (i + 1) as i64)
                .map_err(db_err)?;
            tx.commit().map_err(db_err)?;
        }
        Ok(Store {
            conn: Mutex::new(conn),
        })
    }

    fn conn(&self) -> std::sync::MutexGuard<'_, Connection> {
        // A panic while holding the lock leaves SQLite consistent (every
        // write is a statement or a transaction), so the lock is reusable.
        self.conn.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn schema_version(&self) -> Result<i64> {
        self.conn()
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(db_err)
    }

    /// Stores records of one kind (id, JSON) in one transaction; a record
    /// with an id already stored replaces it. Returns how many were new.
    pub fn put_records(&self, kind: &str, records: &[(String, String)]) -> Result<usize> {
        let mut conn = self.conn();
        let tx = conn.transaction().map_err(db_err)?;
        let mut new = 0;
        {
            let mut exists = tx
                .prepare_cached("SELECT 1 FROM records WHERE kind = ?1 AND id = ?2")
                .map_err(db_err)?;
            let mut put = tx
                .prepare_cached(
                    "INSERT INTO records (kind, id, body, received_at) VALUES (?1, ?2, ?3, ?4)
                     ON CONFLICT (kind, id) DO UPDATE SET body = excluded.body, received_at = excluded.received_at",
                )
                .map_err(db_err)?;
            let at = now_ms();
            for (id, body) in records {
                new += !exists.exists(params![kind, id]).map_err(db_err)? as usize;
                put.execute(params![kind, id, body, at]).map_err(db_err)?;
            }
        }
        tx.commit().map_err(db_err)?;
        Ok(new)
    }

    /// Every record of one kind, in id order, to `each` (id, JSON).
    pub fn each_record(
        &self,
        kind: &str,
        mut each: impl FnMut(&str, &str) -> std::io::Result<()>,
    ) -> Result<()> {
        let conn = self.conn();
        let mut q = conn
            .prepare_cached("SELECT id, body FROM records WHERE kind = ?1 ORDER BY id")
            .map_err(db_err)?;
        let mut rows = q.query(params![kind]).map_err(db_err)?;
        while let Some(r) = rows.next().map_err(db_err)? {
            let (id, body): (String, String) =
                (r.get(0).map_err(db_err)?, r.get(1).map_err(db_err)?);
            each(&id, &body).map_err(|e| format!("cannot write record {kind}/{id}: {e}"))?;
        }
        Ok(())
    }

    pub fn record(&self, kind: &str, id: &str) -> Result<Option<String>> {
        self.conn()
            .query_row(
                "SELECT body FROM records WHERE kind = ?1 AND id = ?2",
                params![kind, id],
                |r| r.get(0),
            )
            .optional()
            .map_err(db_err)
    }

    pub fn count_records(&self, kind: &str) -> Result<i64> {
        self.conn()
            .query_row(
                "SELECT count(*) FROM records WHERE kind = ?1",
                params![kind],
                |r| r.get(0),
            )
            .map_err(db_err)
    }

    /// Deletes a record; returns whether there was one.
    pub fn delete_record(&self, kind: &str, id: &str) -> Result<bool> {
        self.conn()
            .execute(
                "DELETE FROM records WHERE kind = ?1 AND id = ?2",
                params![kind, id],
            )
            .map(|n| n > 0)
            .map_err(db_err)
    }

    /// Deletes records received before `cutoff_ms`; returns (kind, id) of each.
    pub fn expire_records(&self, cutoff_ms: i64) -> Result<Vec<(String, String)>> {
        let mut conn = self.conn();
        let tx = conn.transaction().map_err(db_err)?;
        let gone: Vec<(String, String)> = {
            let mut q = tx
                .prepare("SELECT kind, id FROM records WHERE received_at < ?1")
                .map_err(db_err)?;
            q.query_map(params![cutoff_ms], |r| Ok((r.get(0)?, r.get(1)?)))
                .map_err(db_err)?
                .collect::<std::result::Result<_, _>>()
                .map_err(db_err)?
        };
        tx.execute(
            "DELETE FROM records WHERE received_at < ?1",
            params![cutoff_ms],
        )
        .map_err(db_err)?;
        tx.commit().map_err(db_err)?;
        Ok(gone)
    }

    pub fn add_token(&self, hash: &str, role: &str, label: &str) -> Result<i64> {
        let conn = self.conn();
        conn.execute(
            "INSERT INTO tokens (hash, role, label, created_at) VALUES (?1, ?2, ?3, ?4)",
            params![hash, role, label, now_ms()],
        )
        .map_err(db_err)?;
        Ok(conn.last_insert_rowid())
    }

    /// The token id and role for a token's hash.
    pub fn token(&self, hash: &str) -> Result<Option<(i64, String)>> {
        self.conn()
            .query_row(
                "SELECT id, role FROM tokens WHERE hash = ?1",
                params![hash],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
            .map_err(db_err)
    }

    pub fn audit(&self, token_id: Option<i64>, action: &str, subject: &str) -> Result<()> {
        self.conn()
            .execute(
                "INSERT INTO audit (at, token_id, action, subject) VALUES (?1, ?2, ?3, ?4)",
                params![now_ms(), token_id, action, subject],
            )
            .map(|_| ())
            .map_err(db_err)
    }

    /// The audit log, newest first, at most `limit` entries, optionally of
    /// one subject only.
    pub fn audit_log(&self, subject: Option<&str>, limit: i64) -> Result<Vec<AuditEntry>> {
        let conn = self.conn();
        let mut q = conn
            .prepare_cached(
                "SELECT at, token_id, action, subject FROM audit
                 WHERE ?1 IS NULL OR subject = ?1 ORDER BY id DESC LIMIT ?2",
            )
            .map_err(db_err)?;
        q.query_map(params![subject, limit], |r| {
            Ok(AuditEntry {
                at: r.get(0)?,
                token_id: r.get(1)?,
                action: r.get(2)?,
                subject: r.get(3)?,
            })
        })
        .map_err(db_err)?
        .collect::<std::result::Result<_, _>>()
        .map_err(db_err)
    }

    pub fn add_disposition(&self, d: &Disposition) -> Result<()> {
        self.conn()
            .execute(
                "INSERT INTO dispositions (subject_kind, subject, members, status, note, token_id, at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![
                    d.subject_kind,
                    d.subject,
                    d.members.join("\n"),
                    d.status,
                    d.note,
                    d.token_id,
                    d.at
                ],
            )
            .map(|_| ())
            .map_err(db_err)
    }

    /// Every disposition, oldest first.
    pub fn dispositions(&self) -> Result<Vec<Disposition>> {
        let conn = self.conn();
        let mut q = conn
            .prepare_cached(
                "SELECT subject_kind, subject, members, status, note, token_id, at FROM dispositions ORDER BY id",
            )
            .map_err(db_err)?;
        q.query_map([], |r| {
            let members: String = r.get(2)?;
            Ok(Disposition {
                subject_kind: r.get(0)?,
                subject: r.get(1)?,
                members: members.lines().map(str::to_string).collect(),
                status: r.get(3)?,
                note: r.get(4)?,
                token_id: r.get(5)?,
                at: r.get(6)?,
            })
        })
        .map_err(db_err)?
        .collect::<std::result::Result<_, _>>()
        .map_err(db_err)
    }

    /// Removes a persona from dispositions (erasure): its id leaves every
    /// member list, and dispositions of the persona itself go.
    pub fn forget_in_dispositions(&self, persona: &str) -> Result<()> {
        let mut conn = self.conn();
        let tx = conn.transaction().map_err(db_err)?;
        tx.execute(
            "DELETE FROM dispositions WHERE subject_kind = 'persona' AND subject = ?1",
            params![persona],
        )
        .map_err(db_err)?;
        let rows: Vec<(i64, String)> = {
            let mut q = tx
                .prepare("SELECT id, members FROM dispositions")
                .map_err(db_err)?;
            q.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
                .map_err(db_err)?
                .collect::<std::result::Result<_, _>>()
                .map_err(db_err)?
        };
        for (id, members) in rows {
            if members.lines().any(|m| m == persona) {
                let kept: Vec<&str> = members.lines().filter(|m| *m != persona).collect();
                tx.execute(
                    "UPDATE dispositions SET members = ?1 WHERE id = ?2",
                    params![kept.join("\n"), id],
                )
                .map_err(db_err)?;
            }
        }
        tx.commit().map_err(db_err)
    }

    pub fn save_findings(&self, json: &str) -> Result<()> {
        self.conn()
            .execute(
                "INSERT INTO findings (id, body, at) VALUES (1, ?1, ?2)
                 ON CONFLICT (id) DO UPDATE SET body = excluded.body, at = excluded.at",
                params![json, now_ms()],
            )
            .map(|_| ())
            .map_err(db_err)
    }

    pub fn findings(&self) -> Result<Option<String>> {
        self.conn()
            .query_row("SELECT body FROM findings WHERE id = 1", [], |r| r.get(0))
            .optional()
            .map_err(db_err)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_store_is_migrated_and_reopens_at_the_same_version() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/unmask.db");
        let s = Store::open(&path).unwrap();
        assert_eq!(s.schema_version().unwrap(), MIGRATIONS.len() as i64);
        s.put_records("applications", &[("a1".into(), "{}".into())])
            .unwrap();
        drop(s);
        let s = Store::open(&path).unwrap();
        assert_eq!(
            s.count_records("applications").unwrap(),
            1,
            "data survives a restart"
        );
        let mode: String = s
            .conn()
            .query_row("PRAGMA journal_mode", [], |r| r.get(0))
            .unwrap();
        assert_eq!(mode, "wal");
    }

    #[test]
    fn a_store_from_a_newer_unmask_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("unmask.db");
        drop(Store::open(&path).unwrap());
        let c = Connection::open(&path).unwrap();
        c.pragma_update(None, "user_version", 99).unwrap();
        drop(c);
        let err = Store::open(&path).err().unwrap();
        assert!(err.contains("newer"), "{err}");
    }

    #[test]
    fn records_are_idempotent_by_id() {
        let dir = tempfile::tempdir().unwrap();
        let s = Store::open(&dir.path().join("u.db")).unwrap();
        let batch = [
            ("a1".to_string(), "{\"v\":1}".to_string()),
            ("a2".into(), "{}".into()),
        ];
        assert_eq!(s.put_records("applications", &batch).unwrap(), 2);
        assert_eq!(
            s.put_records("applications", &[("a1".into(), "{\"v\":2}".into())])
                .unwrap(),
            0,
            "the same id again is not new"
        );
        assert_eq!(s.count_records("applications").unwrap(), 2);
        assert_eq!(
            s.record("applications", "a1").unwrap().as_deref(),
            Some("{\"v\":2}")
        );
    }
}
