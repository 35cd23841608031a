//! Access tokens: HS256 JWTs naming the user, role and token version. Verification pins the
//! algorithm, issuer and audience and requires every time claim.

use jsonwebtoken::{decode, encode, Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

pub const ISSUER: &str = "qinqing";
pub const AUDIENCE: &str = "qinqing-api";
/// Shortest secret accepted, in bytes.
pub const MIN_SECRET: usize = 32;

#[derive(Debug, Serialize, Deserialize)]
pub struct Claims {
    pub sub: String,
    pub role: String,
    pub iss: String,
    pub aud: String,
    pub iat: i64,
    pub exp: i64,
    /// The user's token version when issued; a higher one in the database ends this token.
    pub ver: i64,
}

pub struct Tokens {
    /// The secret again, for message authentication codes (the web forms' CSRF tokens).
    mac_key: Vec<u8>,
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    pub ttl_seconds: i64,
}

impl Tokens {
    pub fn new(secret: &[u8], ttl_seconds: i64) -> Result<Tokens, String> {
        if secret.len() < MIN_SECRET {
            return Err(format!(
                "the token secret must be at least {MIN_SECRET} bytes"
            ));
        }
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[ISSUER]);
        validation.set_audience(&[AUDIENCE]);
        validation.set_required_spec_claims(&["exp", "iat", "iss", "aud", "sub"]);
        validation.leeway = 5;
        Ok(Tokens {
            mac_key: secret.to_vec(),
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
            ttl_seconds,
        })
    }

    pub fn issue(
        &self,
        user_id: i64,
        role: &str,
        version: i64,
        now: i64,
    ) -> Result<String, String> {
        let claims = Claims {
            sub: user_id.to_string(),
            role: role.to_owned(),
            iss: ISSUER.into(),
            aud: AUDIENCE.into(),
            iat: now,
            exp: now + self.ttl_seconds,
            ver: version,
        };
        encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(|e| format!("signing a token: {e}"))
    }

    /// A token for a user as stored now, issued at this moment.
    pub fn issue_for(&self, user: &crate::store::users::UserRow) -> Result<String, String> {
        self.issue(
            user.id,
            &user.role,
            user.token_version,
            chrono::Utc::now().timestamp(),
        )
    }

    /// HMAC-SHA256 of `purpose` and `data` under the secret, hex-encoded: a value only this
    /// service (and every instance sharing its secret) can make.
    pub fn mac(&self, purpose: &str, data: &str) -> String {
        use hmac::{Mac, SimpleHmac};
        let mut mac = match SimpleHmac::<sha2::Sha256>::new_from_slice(&self.mac_key) {
            Ok(m) => m,
            // HMAC takes keys of any length; this arm cannot be reached.
            Err(_) => return String::new(),
        };
        mac.update(purpose.as_bytes());
        mac.update(b"\0");
        mac.update(data.as_bytes());
        mac.finalize()
            .into_bytes()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }

    /// The claims of a valid token; None for anything else (bad signature, other algorithm,
    /// expired, wrong issuer or audience, malformed).
    pub fn verify(&self, token: &str) -> Option<Claims> {
        decode::<Claims>(token, &self.decoding, &self.validation)
            .ok()
            .map(|d| d.claims)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &[u8] = b"0123456789abcdef0123456789abcdef";

    fn now() -> i64 {
        chrono::Utc::now().timestamp()
    }

    #[test]
    fn macs_depend_on_key_purpose_and_data() {
        let Ok(a) = Tokens::new(SECRET, 60) else {
            panic!("secret refused")
        };
        let Ok(b) = Tokens::new(b"another secret of at least 32 bytes", 60) else {
            panic!("secret refused")
        };
        let m = a.mac("csrf", "nonce");
        assert_eq!(m.len(), 64);
        assert_eq!(m, a.mac("csrf", "nonce"));
        assert_ne!(m, a.mac("csrf", "other"));
        assert_ne!(m, a.mac("other", "nonce"));
        assert_ne!(m, b.mac("csrf", "nonce"));
    }

    #[test]
    fn short_secrets_are_refused() {
        assert!(Tokens::new(b"short", 60).is_err());
        assert!(Tokens::new(SECRET, 60).is_ok());
    }

    #[test]
    fn round_trip_and_refusals() {
        let Ok(tokens) = Tokens::new(SECRET, 3600) else {
            panic!("secret refused")
        };
        let good = tokens.issue(7, "leader", 3, now()).unwrap_or_default();
        let claims = tokens.verify(&good);
        assert_eq!(claims.as_ref().map(|c| c.sub.as_str()), Some("7"));
        assert_eq!(claims.as_ref().map(|c| c.ver), Some(3));

        let Ok(other) = Tokens::new(b"another secret of at least 32 bytes", 3600) else {
            panic!("secret refused")
        };
        let foreign = other.issue(7, "leader", 3, now()).unwrap_or_default();
        let expired = tokens
            .issue(7, "leader", 3, now() - 7200)
            .unwrap_or_default();
        let mut tampered = good.clone();
        tampered.pop();
        for (name, token) in [
            ("other key", foreign.as_str()),
            ("expired", expired.as_str()),
            ("tampered", tampered.as_str()),
            ("garbage", "not.a.token"),
            ("empty", ""),
        ] {
            assert!(tokens.verify(token).is_none(), "{name} accepted");
        }
    }
}
