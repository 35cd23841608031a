//! A short memory of who a token names, so that a request does not ask the database on
//! every call. An entry holds the user as read from the database and is believed for at
//! most `TTL`, and only for a token of the same user, token version and role. This
//! instance forgets a user as soon as a change to them commits here (sign-out, password,
//! role, deactivation); another instance of the service sharing the database notices the
//! change within `TTL`, when its entry runs out.

use std::collections::HashMap;
use std::sync::RwLock;
use std::time::{Duration, Instant};

use super::Caller;

/// How long an entry is believed.
pub const TTL: Duration = Duration::from_secs(1);

/// Entries beyond which the run-out ones are swept.
const SWEEP_AT: usize = 10_000;

#[derive(Default)]
pub struct Callers {
    entries: RwLock<HashMap<i64, (Caller, Instant)>>,
}

impl Callers {
    /// The caller remembered for this user, when read within `TTL` and still matching the
    /// token's version and role.
    pub fn get(&self, user_id: i64, token_version: i64, role: &str) -> Option<Caller> {
        let entries = self.entries.read().ok()?;
        let (caller, read) = entries.get(&user_id)?;
        (read.elapsed() < TTL
            && caller.user.token_version == token_version
            && caller.user.role == role)
            .then(|| caller.clone())
    }

    /// Remembers a caller read from the database at `read`.
    pub fn put(&self, caller: &Caller, read: Instant) {
        if let Ok(mut entries) = self.entries.write() {
            if entries.len() >= SWEEP_AT {
                entries.retain(|_, (_, at)| at.elapsed() < TTL);
            }
            entries.insert(caller.id(), (caller.clone(), read));
        }
    }

    /// Forgets a user whose row has changed (call after the change commits).
    pub fn forget(&self, user_id: i64) {
        if let Ok(mut entries) = self.entries.write() {
            entries.remove(&user_id);
        }
    }

    /// Forgets everyone: after a change to rows read with many users (an enterprise's
    /// region).
    pub fn forget_all(&self) {
        if let Ok(mut entries) = self.entries.write() {
            entries.clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::role::Role;
    use crate::store::users::UserRow;

    fn caller(id: i64, version: i64, role: &str) -> Caller {
        let now = chrono::Utc::now().naive_utc();
        Caller {
            user: std::sync::Arc::new(UserRow {
                id,
                username: format!("u{id}"),
                password_hash: String::new(),
                display_name: String::new(),
                role: role.to_owned(),
                region_id: None,
                department_id: None,
                enterprise_id: None,
                active: true,
                token_version: version,
                created_at: now,
                updated_at: now,
                must_change_password: false,
            }),
            role: Role::parse(role).unwrap_or(Role::Admin),
            region_path: None,
            enterprise_region_id: None,
        }
    }

    #[test]
    fn believed_only_fresh_and_for_the_same_version_and_role() {
        let callers = Callers::default();
        let now = Instant::now();
        callers.put(&caller(1, 3, "admin"), now);
        let cases = [
            (1, 3, "admin", true),
            (1, 2, "admin", false),
            (1, 4, "admin", false),
            (1, 3, "leader", false),
            (2, 3, "admin", false),
        ];
        for (id, version, role, found) in cases {
            assert_eq!(
                callers.get(id, version, role).is_some(),
                found,
                "{id} {version} {role}"
            );
        }
        callers.forget(1);
        assert!(callers.get(1, 3, "admin").is_none());
        let Some(old) = now.checked_sub(TTL) else {
            return;
        };
        callers.put(&caller(1, 3, "admin"), old);
        assert!(callers.get(1, 3, "admin").is_none(), "an entry TTL old");
    }
}
