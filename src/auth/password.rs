//! Password hashing with argon2id (the argon2 crate's defaults: m = 19 MiB, t = 2, p = 1,
//! OWASP's recommended minimum).

use std::sync::{Mutex, OnceLock};

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{Output, PasswordHash, PasswordHasher, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};

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

/// Checks a password against its stored hash. The 19 MiB argon2 works in comes from a
/// small pool reused from one check to the next: a burst of sign-ins does not make the
/// allocator take (and keep) a fresh block per thread. At most as many blocks exist as
/// checks ran at once, which the sign-in path bounds to the cores.
pub fn verify(password: &str, stored: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(stored) else {
        return false;
    };
    let (Ok(params), Some(salt), Some(expected)) =
        (Params::try_from(&parsed), parsed.salt, parsed.hash)
    else {
        return false;
    };
    let (Ok(algorithm), Ok(version)) = (
        Algorithm::try_from(parsed.algorithm),
        Version::try_from(parsed.version.unwrap_or(0x13)),
    ) else {
        return false;
    };
    let mut salt_bytes = [0u8; 64];
    let Ok(salt) = salt.decode_b64(&mut salt_bytes) else {
        return false;
    };
    let mut out = vec![0u8; expected.len()];
    let blocks = params.block_count();
    let mut memory = take_memory(blocks);
    let computed = Argon2::new(algorithm, version, params).hash_password_into_with_memory(
        password.as_bytes(),
        salt,
        &mut out,
        &mut memory[..blocks],
    );
    give_back(memory);
    computed.is_ok() && Output::new(&out).is_ok_and(|o| o == expected)
}

static MEMORY: Mutex<Vec<Vec<Block>>> = Mutex::new(Vec::new());

fn take_memory(blocks: usize) -> Vec<Block> {
    let kept = MEMORY.lock().ok().and_then(|mut m| m.pop());
    match kept {
        Some(m) if m.len() >= blocks => m,
        _ => vec![Block::default(); blocks],
    }
}

fn give_back(memory: Vec<Block>) {
    if let Ok(mut m) = MEMORY.lock() {
        // Never more than the cores' worth, whatever happened before.
        if m.len() < 2 * std::thread::available_parallelism().map_or(2, |n| n.get()) {
            m.push(memory);
        }
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
