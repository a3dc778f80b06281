//! Accounts, passwords, sessions, API tokens and login lockout.
//!
//! Passwords are argon2id. Session cookies and API tokens are 256-bit random values; only their
//! SM3 hashes are stored, so a copy of the database does not let anyone sign in. There is no
//! default account: the first start creates the 系统管理员 with a random one-time password.

mod login;
mod tokens;
mod users;

pub use login::{
    Authed, LoginError, LoginOk, SessionInfo, authenticate_session, bootstrap, change_password, end_session,
    end_user_session, login, logout, sessions_of,
};
pub use tokens::{ApiToken, authenticate_token, create_token, list_tokens, revoke_token};
pub use users::{
    NewUser, User, UserDraft, UserFilter, create_user, find_user, get_user, list_users, reset_password, set_disabled,
};

use argon2::Argon2;
use argon2::password_hash::PasswordHasher;
use argon2::password_hash::PasswordVerifier;
use rand::RngCore;
use sm3::{Digest, Sm3};

use crate::error::{StoreError, StoreResult};

/// Hash a password with argon2id (random salt, PHC string).
pub(crate) fn hash_password(password: &str) -> StoreResult<String> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| StoreError::Corrupt(format!("argon2: {e}")))
}

/// True if the password matches the PHC string.
pub(crate) fn verify_password(phc: &str, password: &str) -> bool {
    Argon2::default().verify_password(password.as_bytes(), phc).is_ok()
}

/// A verification against a fixed hash, so that an unknown user name costs as much time as a
/// wrong password.
pub(crate) fn burn_verification(password: &str) {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let phc = DUMMY.get_or_init(|| hash_password("jiceng-dummy-password").unwrap_or_default());
    let _ = verify_password(phc, password);
}

/// A fresh random secret (hex of 32 bytes).
pub(crate) fn random_secret() -> String {
    let mut b = [0u8; 32];
    rand::rng().fill_bytes(&mut b);
    hex::encode(b)
}

/// The stored form of a session or token secret.
pub(crate) fn secret_hash(secret: &str) -> String {
    hex::encode(Sm3::digest(secret.as_bytes()))
}

/// A random one-time password that satisfies any policy this system allows (lower, upper, digit,
/// symbol; 16 characters), avoiding look-alike characters.
pub fn one_time_password() -> String {
    const LOWER: &[u8] = b"abcdefghijkmnpqrstuvwxyz";
    const UPPER: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ";
    const DIGIT: &[u8] = b"23456789";
    const SYMBOL: &[u8] = b"@#%+=";
    let mut rng = rand::rng();
    let mut pick = |set: &[u8]| set[(rng.next_u32() as usize) % set.len()] as char;
    let mut chars: Vec<char> = vec![pick(LOWER), pick(UPPER), pick(DIGIT), pick(SYMBOL)];
    let all: Vec<u8> = [LOWER, UPPER, DIGIT].concat();
    while chars.len() < 16 {
        chars.push(pick(&all));
    }
    // Shuffle so the classes are not in fixed positions.
    for i in (1..chars.len()).rev() {
        let j = (rng.next_u32() as usize) % (i + 1);
        chars.swap(i, j);
    }
    chars.into_iter().collect()
}

/// Hash the shared password of demo accounts (loading a county).
pub(crate) fn hash_password_for_seed(password: &str) -> StoreResult<String> {
    hash_password(password)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_hash_and_verify() {
        let h = hash_password("Correct-Horse-9").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password(&h, "Correct-Horse-9"));
        assert!(!verify_password(&h, "correct-horse-9"));
        assert!(!verify_password("not a hash", "x"));
    }

    #[test]
    fn one_time_passwords_meet_the_strictest_policy() {
        let strict = jiceng_types::PasswordPolicy { min_len: 16, min_classes: 4 };
        for _ in 0..50 {
            let p = one_time_password();
            assert!(strict.check(&p, "sysadmin").is_ok(), "{p}");
        }
        assert_ne!(one_time_password(), one_time_password());
    }
}
