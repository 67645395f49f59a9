//! Reading rows into model types, for every backend: the mapping is the same whatever the
//! database, so it is written once, generic over [`sqlx::Row`].

use crate::{
    CodeRow, Millis, OutboxItem, OutboxState, Result, SessionRow, StoreError, TokenKind, TokenRow,
    TransactionRow, TxState,
};
use sqlx::{ColumnIndex, Decode, Row, Type};

pub(crate) const TX_COLUMNS: &str =
    "auth_req_id, client_id, msisdn, state, request, outcome, created_at, expires_at, completed_at, owner, lease_until";
pub(crate) const OUTBOX_COLUMNS: &str = "id, auth_req_id, url, bearer, body, state, attempts, next_attempt_at, deadline, last_status, last_error";
pub(crate) const TOKEN_COLUMNS: &str =
    "token_hash, kind, client_id, auth_req_id, grant_data, created_at, expires_at, revoked_at";

pub(crate) const CODE_COLUMNS: &str =
    "code_hash, client_id, redirect_uri, grant_id, grant_data, created_at, expires_at, used_at";
pub(crate) const SESSION_COLUMNS: &str =
    "session_hash, msisdn, session_data, auth_time, expires_at";

pub(crate) fn now_ms() -> Millis {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

pub(crate) fn is_unique_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(db) if db.is_unique_violation())
}

pub(crate) fn transaction_row<R: Row>(row: &R) -> Result<TransactionRow>
where
    for<'c> &'c str: ColumnIndex<R>,
    for<'r> String: Decode<'r, R::Database> + Type<R::Database>,
    for<'r> i64: Decode<'r, R::Database> + Type<R::Database>,
    for<'r> Vec<u8>: Decode<'r, R::Database> + Type<R::Database>,
{
    let state: String = row.try_get("state")?;
    Ok(TransactionRow {
        auth_req_id: row.try_get("auth_req_id")?,
        client_id: row.try_get("client_id")?,
        msisdn: row.try_get("msisdn")?,
        state: TxState::parse(&state)
            .ok_or_else(|| StoreError::Corrupt(format!("state {state}")))?,
        request: row.try_get("request")?,
        outcome: row.try_get("outcome")?,
        created_at: row.try_get("created_at")?,
        expires_at: row.try_get("expires_at")?,
        completed_at: row.try_get("completed_at")?,
        owner: row.try_get("owner")?,
        lease_until: row.try_get("lease_until")?,
    })
}

pub(crate) fn token_row<R: Row>(row: &R) -> Result<TokenRow>
where
    for<'c> &'c str: ColumnIndex<R>,
    for<'r> String: Decode<'r, R::Database> + Type<R::Database>,
    for<'r> i64: Decode<'r, R::Database> + Type<R::Database>,
    for<'r> Vec<u8>: Decode<'r, R::Database> + Type<R::Database>,
{
    let kind: String = row.try_get("kind")?;
    Ok(TokenRow {
        token_hash: row.try_get("token_hash")?,
        kind: match kind.as_str() {
            "access" => TokenKind::Access,
            "refresh" => TokenKind::Refresh,
            other => return Err(StoreError::Corrupt(format!("token kind {other}"))),
        },
        client_id: row.try_get("client_id")?,
        auth_req_id: row.try_get("auth_req_id")?,
        grant: row.try_get("grant_data")?,
        created_at: row.try_get("created_at")?,
        expires_at: row.try_get("expires_at")?,
        revoked_at: row.try_get("revoked_at")?,
    })
}

pub(crate) fn outbox_row<R: Row>(row: &R) -> Result<OutboxItem>
where
    for<'c> &'c str: ColumnIndex<R>,
    for<'r> String: Decode<'r, R::Database> + Type<R::Database>,
    for<'r> i64: Decode<'r, R::Database> + Type<R::Database>,
    for<'r> Vec<u8>: Decode<'r, R::Database> + Type<R::Database>,
{
    let state: String = row.try_get("state")?;
    Ok(OutboxItem {
        id: row.try_get("id")?,
        auth_req_id: row.try_get("auth_req_id")?,
        url: row.try_get("url")?,
        bearer: row.try_get("bearer")?,
        body: row.try_get("body")?,
        state: OutboxState::parse(&state)
            .ok_or_else(|| StoreError::Corrupt(format!("outbox state {state}")))?,
        attempts: row.try_get("attempts")?,
        next_attempt_at: row.try_get("next_attempt_at")?,
        deadline: row.try_get("deadline")?,
        last_status: row.try_get("last_status")?,
        last_error: row.try_get("last_error")?,
    })
}

pub(crate) fn code_row<R: Row>(row: &R) -> Result<CodeRow>
where
    for<'c> &'c str: ColumnIndex<R>,
    for<'r> String: Decode<'r, R::Database> + Type<R::Database>,
    for<'r> i64: Decode<'r, R::Database> + Type<R::Database>,
    for<'r> Vec<u8>: Decode<'r, R::Database> + Type<R::Database>,
{
    Ok(CodeRow {
        code_hash: row.try_get("code_hash")?,
        client_id: row.try_get("client_id")?,
        redirect_uri: row.try_get("redirect_uri")?,
        grant_id: row.try_get("grant_id")?,
        grant: row.try_get("grant_data")?,
        created_at: row.try_get("created_at")?,
        expires_at: row.try_get("expires_at")?,
        used_at: row.try_get("used_at")?,
    })
}

pub(crate) fn session_row<R: Row>(row: &R) -> Result<SessionRow>
where
    for<'c> &'c str: ColumnIndex<R>,
    for<'r> String: Decode<'r, R::Database> + Type<R::Database>,
    for<'r> i64: Decode<'r, R::Database> + Type<R::Database>,
    for<'r> Vec<u8>: Decode<'r, R::Database> + Type<R::Database>,
{
    Ok(SessionRow {
        session_hash: row.try_get("session_hash")?,
        msisdn: row.try_get("msisdn")?,
        data: row.try_get("session_data")?,
        auth_time: row.try_get("auth_time")?,
        expires_at: row.try_get("expires_at")?,
    })
}
