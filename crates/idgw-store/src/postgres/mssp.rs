//! The MSSP's transactions on PostgreSQL (statements in `crate::mssp`). Under READ
//! COMMITTED an `INSERT .. ON CONFLICT DO NOTHING` racing another waits for it to commit,
//! and a guarded `UPDATE` re-checks `status IS NULL` on the committed row, so across nodes one
//! insert wins an `AP_TransID` or an MSISDN and one outcome ends a transaction.

use sqlx::Row;

crate::mssp::mssp_methods!(sqlx::postgres::PgPool);
