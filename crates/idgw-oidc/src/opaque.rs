//! Opaque values: the random strings idgw hands out (`auth_req_id`, access and refresh tokens,
//! authorization codes, PCRs, session cookies) and the SHA-256 hashes it stores them by.

use crate::jose::b64;
use sha2::{Digest, Sha256};

/// 256 random bits, base64url: used for tokens, `auth_req_id` and PCRs.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::Rng::fill(&mut rand::thread_rng(), &mut bytes);
    b64(&bytes)
}

pub fn token_hash(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}
