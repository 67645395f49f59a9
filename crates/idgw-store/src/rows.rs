//! Reading result rows into model types. The mapping is the same whatever the backend, so it
//! is written once, as [`ReadRow`]'s methods on any row whose database decodes the three
//! column types of the schema (text, 64-bit integers, blobs): one set of bounds for all.

use crate::{
    CardRow, ClientRow, CodeRow, Event, MsspTransactionRow, OutboxItem, OutboxState, Result,
    SessionRow, StoreError, StoredKey, SubscriberRow, TokenKind, TokenRow, TransactionRow, TxState,
};
use sqlx::{ColumnIndex, Decode, Row, Type};

/// A row read as one of the model's types, by column name (so a statement may select the
/// columns in any order, or more of them).
pub(crate) trait ReadRow {
    fn stored_key(&self) -> Result<StoredKey>;
    fn client_row(&self) -> Result<ClientRow>;
    fn subscriber_row(&self) -> Result<SubscriberRow>;
    fn transaction_row(&self) -> Result<TransactionRow>;
    fn token_row(&self) -> Result<TokenRow>;
    fn outbox_item(&self) -> Result<OutboxItem>;
    fn card_row(&self) -> Result<CardRow>;
    fn code_row(&self) -> Result<CodeRow>;
    fn session_row(&self) -> Result<SessionRow>;
    fn mssp_row(&self) -> Result<MsspTransactionRow>;
    fn event(&self) -> Result<Event>;
}

impl<R: Row> ReadRow for R
where
    for<'c> &'c str: ColumnIndex<R>,
    for<'r> String: Decode<'r, R::Database> + Type<R::Database>,
    for<'r> i64: Decode<'r, R::Database> + Type<R::Database>,
    for<'r> Vec<u8>: Decode<'r, R::Database> + Type<R::Database>,
{
    fn stored_key(&self) -> Result<StoredKey> {
        Ok(StoredKey {
            kid: self.try_get("kid")?,
            key_use: self.try_get("key_use")?,
            alg: self.try_get("alg")?,
            private_jwk: self.try_get("private_jwk")?,
            created_at: self.try_get("created_at")?,
            retired_at: self.try_get("retired_at")?,
        })
    }

    fn client_row(&self) -> Result<ClientRow> {
        Ok(ClientRow {
            client_id: self.try_get("client_id")?,
            secret_hash: self.try_get("secret_hash")?,
            metadata: self.try_get("metadata")?,
        })
    }

    fn subscriber_row(&self) -> Result<SubscriberRow> {
        Ok(SubscriberRow {
            msisdn: self.try_get("msisdn")?,
            user_code: self.try_get("user_code")?,
        })
    }

    fn transaction_row(&self) -> Result<TransactionRow> {
        let state: String = self.try_get("state")?;
        Ok(TransactionRow {
            auth_req_id: self.try_get("auth_req_id")?,
            client_id: self.try_get("client_id")?,
            msisdn: self.try_get("msisdn")?,
            state: TxState::parse(&state)
                .ok_or_else(|| StoreError::Corrupt(format!("state {state}")))?,
            request: self.try_get("request")?,
            outcome: self.try_get("outcome")?,
            created_at: self.try_get("created_at")?,
            expires_at: self.try_get("expires_at")?,
            completed_at: self.try_get("completed_at")?,
            owner: self.try_get("owner")?,
            lease_until: self.try_get("lease_until")?,
        })
    }

    fn token_row(&self) -> Result<TokenRow> {
        let kind: String = self.try_get("kind")?;
        Ok(TokenRow {
            token_hash: self.try_get("token_hash")?,
            kind: match kind.as_str() {
                "access" => TokenKind::Access,
                "refresh" => TokenKind::Refresh,
                other => return Err(StoreError::Corrupt(format!("token kind {other}"))),
            },
            client_id: self.try_get("client_id")?,
            auth_req_id: self.try_get("auth_req_id")?,
            grant: self.try_get("grant_data")?,
            created_at: self.try_get("created_at")?,
            expires_at: self.try_get("expires_at")?,
            revoked_at: self.try_get("revoked_at")?,
        })
    }

    fn outbox_item(&self) -> Result<OutboxItem> {
        let state: String = self.try_get("state")?;
        Ok(OutboxItem {
            id: self.try_get("id")?,
            auth_req_id: self.try_get("auth_req_id")?,
            url: self.try_get("url")?,
            bearer: self.try_get("bearer")?,
            body: self.try_get("body")?,
            state: OutboxState::parse(&state)
                .ok_or_else(|| StoreError::Corrupt(format!("outbox state {state}")))?,
            attempts: self.try_get("attempts")?,
            next_attempt_at: self.try_get("next_attempt_at")?,
            deadline: self.try_get("deadline")?,
            last_status: self.try_get("last_status")?,
            last_error: self.try_get("last_error")?,
        })
    }

    fn card_row(&self) -> Result<CardRow> {
        let kvn: i64 = self.try_get("kvn")?;
        Ok(CardRow {
            msisdn: self.try_get("msisdn")?,
            iccid: self.try_get("iccid")?,
            algorithm: self.try_get("algorithm")?,
            kvn: u8::try_from(kvn).map_err(|_| StoreError::Corrupt(format!("kvn {kvn}")))?,
            kic: self.try_get("kic")?,
            kid: self.try_get("kid")?,
            tar: self.try_get("tar")?,
            applet_key: self.try_get("applet_key")?,
        })
    }

    fn code_row(&self) -> Result<CodeRow> {
        Ok(CodeRow {
            code_hash: self.try_get("code_hash")?,
            client_id: self.try_get("client_id")?,
            redirect_uri: self.try_get("redirect_uri")?,
            grant_id: self.try_get("grant_id")?,
            grant: self.try_get("grant_data")?,
            created_at: self.try_get("created_at")?,
            expires_at: self.try_get("expires_at")?,
            used_at: self.try_get("used_at")?,
        })
    }

    fn session_row(&self) -> Result<SessionRow> {
        Ok(SessionRow {
            session_hash: self.try_get("session_hash")?,
            msisdn: self.try_get("msisdn")?,
            data: self.try_get("session_data")?,
            auth_time: self.try_get("auth_time")?,
            expires_at: self.try_get("expires_at")?,
        })
    }

    fn mssp_row(&self) -> Result<MsspTransactionRow> {
        Ok(MsspTransactionRow {
            mssp_trans_id: self.try_get("mssp_trans_id")?,
            ap_id: self.try_get("ap_id")?,
            ap_trans_id: self.try_get("ap_trans_id")?,
            msisdn: self.try_get("msisdn")?,
            fingerprint: self.try_get("fingerprint")?,
            profile: self.try_get("profile")?,
            nonce: self.try_get("nonce")?,
            deadline: self.try_get("deadline")?,
            status: self.try_get("status")?,
            signature: self.try_get("signature")?,
            ended_at: self.try_get("ended_at")?,
            receipt_at: self.try_get("receipt_at")?,
            created_at: self.try_get("created_at")?,
            ap_url: self.try_get("ap_url")?,
            ap_binding: self.try_get("ap_binding")?,
            ap_instant: self.try_get("ap_instant")?,
            notify_due: self.try_get("notify_due")?,
            notify_attempts: self.try_get("notify_attempts")?,
        })
    }

    fn event(&self) -> Result<Event> {
        Ok(Event {
            auth_req_id: self.try_get("auth_req_id")?,
            correlation_id: self.try_get("correlation_id")?,
            component: self.try_get("component")?,
            step: self.try_get("step")?,
            outcome: self.try_get("outcome")?,
            detail: self.try_get("detail")?,
            at: self.try_get("at")?,
        })
    }
}
