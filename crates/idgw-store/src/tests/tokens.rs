//! Cases for tokens, used `jti`s, and Mobile Connect DI codes and sessions.

use super::{finish, token, tx, TestStore};
use crate::*;

pub async fn jti_is_single_use(s: &TestStore) {
    assert!(s.use_jti("sp1", "j1", 100).await.unwrap());
    assert!(!s.use_jti("sp1", "j1", 100).await.unwrap());
    assert!(
        s.use_jti("sp2", "j1", 100).await.unwrap(),
        "jti is scoped by issuer"
    );
    assert_eq!(s.purge(101).await.unwrap(), 2);
    assert!(s.use_jti("sp1", "j1", 300).await.unwrap());
}

pub async fn refresh_rotation_is_single_use(s: &TestStore) {
    s.insert_token(&token(9, TokenKind::Refresh)).await.unwrap();
    assert!(s
        .rotate_token(&[9; 32], &[token(10, TokenKind::Refresh)], 5)
        .await
        .unwrap());
    assert!(!s
        .rotate_token(&[9; 32], &[token(11, TokenKind::Refresh)], 6)
        .await
        .unwrap());
    assert!(
        s.token(&[11; 32]).await.unwrap().is_none(),
        "nothing written by a failed rotation"
    );
    assert_eq!(
        s.token(&[9; 32]).await.unwrap().unwrap().revoked_at,
        Some(5)
    );
}

fn code(hash: u8, grant_id: &str, expires_at: Millis) -> CodeRow {
    CodeRow {
        code_hash: vec![hash; 32],
        client_id: "sp1".into(),
        redirect_uri: "https://sp.example/cb".into(),
        grant_id: grant_id.into(),
        grant: "{\"g\":1}".into(),
        created_at: 0,
        expires_at,
        used_at: None,
    }
}

fn session(hash: u8, msisdn: &str, auth_time: Millis) -> SessionRow {
    SessionRow {
        session_hash: vec![hash; 32],
        msisdn: msisdn.into(),
        data: "{\"acr\":\"3\"}".into(),
        auth_time,
        expires_at: 10_000,
    }
}

pub async fn code_from_an_approved_transaction_once(s: &TestStore) {
    s.insert_transaction(&tx("a1", "4477", 0, 1000))
        .await
        .unwrap();
    // Still pending: no code, nothing written.
    assert!(!s
        .issue_code(
            &code(1, "a1", 500),
            Some("a1"),
            Some(&session(9, "4477", 10))
        )
        .await
        .unwrap());
    assert!(s.code(&[1; 32]).await.unwrap().is_none());
    assert!(s.session(&[9; 32]).await.unwrap().is_none());
    assert!(s
        .finish_transaction(TxState::Pending, &finish("a1", TxState::Approved, 10))
        .await
        .unwrap());
    assert!(s
        .issue_code(
            &code(1, "a1", 500),
            Some("a1"),
            Some(&session(9, "4477", 10))
        )
        .await
        .unwrap());
    assert_eq!(
        s.transaction("a1").await.unwrap().unwrap().state,
        TxState::Redeemed
    );
    assert_eq!(s.code(&[1; 32]).await.unwrap(), Some(code(1, "a1", 500)));
    assert_eq!(
        s.session(&[9; 32]).await.unwrap(),
        Some(session(9, "4477", 10))
    );
    // A second code for the same transaction is refused.
    assert!(!s
        .issue_code(&code(2, "a1", 500), Some("a1"), None)
        .await
        .unwrap());
    assert!(s.code(&[2; 32]).await.unwrap().is_none());
    // A code from a session alone; the session is replaced by a newer one.
    assert!(s
        .issue_code(&code(3, "g3", 500), None, Some(&session(9, "4478", 20)))
        .await
        .unwrap());
    assert_eq!(s.session(&[9; 32]).await.unwrap().unwrap().msisdn, "4478");
}

pub async fn code_redeems_once_and_replay_revokes(s: &TestStore) {
    assert!(s.issue_code(&code(1, "g1", 500), None, None).await.unwrap());
    let mut access = token(7, TokenKind::Access);
    access.auth_req_id = Some("g1".into());
    let mut refresh = token(8, TokenKind::Refresh);
    refresh.auth_req_id = Some("g1".into());
    assert!(s
        .redeem_code(&[1; 32], &[access.clone(), refresh.clone()], 100)
        .await
        .unwrap());
    assert_eq!(s.code(&[1; 32]).await.unwrap().unwrap().used_at, Some(100));
    assert!(s.token(&access.token_hash).await.unwrap().is_some());
    // Second use: refused, nothing stored.
    assert!(!s
        .redeem_code(&[1; 32], &[token(9, TokenKind::Access)], 110)
        .await
        .unwrap());
    assert!(s.token(&[9; 32]).await.unwrap().is_none());
    // The replay revokes what the code produced, once.
    assert_eq!(s.revoke_tokens_of("g1", 120).await.unwrap(), 2);
    assert_eq!(s.revoke_tokens_of("g1", 130).await.unwrap(), 0);
    assert_eq!(
        s.token(&refresh.token_hash)
            .await
            .unwrap()
            .unwrap()
            .revoked_at,
        Some(120)
    );
    // An expired code is not redeemed.
    assert!(s.issue_code(&code(2, "g2", 500), None, None).await.unwrap());
    assert!(!s.redeem_code(&[2; 32], &[], 500).await.unwrap());
    // Purge forgets expired codes and sessions.
    assert!(s
        .issue_code(&code(3, "g3", 900), None, Some(&session(5, "4477", 1)))
        .await
        .unwrap());
    s.purge(20_000).await.unwrap();
    assert!(s.code(&[2; 32]).await.unwrap().is_none());
    assert!(s.session(&[5; 32]).await.unwrap().is_none());
}
