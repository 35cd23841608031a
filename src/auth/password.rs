//! Password hashing with argon2id (the argon2 crate's defaults: m = 19 MiB, t = 2, p = 1,
//! OWASP's recommended minimum).

use std::sync::OnceLock;

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;

pub const MIN_LEN: usize = 8;
pub const MAX_LEN: usize = 128;

/// Why a password is refused, or None when it is acceptable.
pub fn policy_error(password: &str) -> Option<String> {
    let n = password.chars().count();
    if n < MIN_LEN {
        return Some(format!("must be at least {MIN_LEN} characters"));
    }
    if n > MAX_LEN {
        return Some(format!("must be at most {MAX_LEN} characters"));
    }
    None
}

pub fn hash(password: &str) -> Result<String, String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| format!("hashing failed: {e}"))
}

pub fn verify(password: &str, stored: &str) -> bool {
    match PasswordHash::new(stored) {
        Ok(parsed) => Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

/// Spends the same work as a real verification, for usernames that do not exist, so that
/// the answer's timing does not tell which usernames do.
pub fn verify_nobody(password: &str) {
    static DUMMY: OnceLock<String> = OnceLock::new();
    let stored = DUMMY.get_or_init(|| hash("not a real password").unwrap_or_default());
    let _ = verify(password, stored);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_and_verify() {
        let h = hash("亲清直通车2022").unwrap_or_default();
        assert!(h.starts_with("$argon2id$"), "{h}");
        assert!(verify("亲清直通车2022", &h));
        assert!(!verify("wrong password", &h));
        assert!(!verify("x", "not a hash"));
    }

    #[test]
    fn policy() {
        let cases = [
            ("short", false),
            ("eight ch", true),
            ("八个汉字的密码呀", true),
            (&"x".repeat(128) as &str, true),
            (&"x".repeat(129) as &str, false),
        ];
        for (pw, ok) in cases {
            assert_eq!(policy_error(pw).is_none(), ok, "{pw}");
        }
    }
}
