//! Signing in and the caller's own account: the password check with its throttle, signing
//! out everywhere, changing one's own password.

use crate::auth::{password, Caller};
use crate::db::DbConn;
use crate::domain::throttle;
use crate::error::Error;
use crate::store::{self, users, users::UserRow};

const BAD_CREDENTIALS: &str = "the username or password is wrong";

/// A sign-in under way: the throttle's keys, the user the name belongs to (if any), and
/// when it began. Made and finished with a connection; the password is checked between,
/// without one (argon2 is deliberately slow and holds 19 MiB).
pub struct SignIn {
    keys: [(String, throttle::Policy); 3],
    user: Option<UserRow>,
    now: chrono::NaiveDateTime,
    /// The client address is throttled (seconds until it is not): only a right password
    /// of an account with no recent failure gets in from it meanwhile.
    address_wait: Option<u64>,
    /// The account has failed sign-ins in its current window, from anywhere.
    account_failed: bool,
}

impl SignIn {
    /// The stored hash to check the password against; None for an unknown username (the
    /// check then spends the same work on a dummy, so timing does not tell).
    pub fn stored_hash(&self) -> Option<String> {
        self.user.as_ref().map(|u| u.password_hash.clone())
    }
}

fn too_many(retry_after: u64) -> Error {
    Error::TooManyAttempts {
        detail: "too many failed sign-in attempts; try again later".into(),
        retry_after,
    }
}

/// Begins a sign-in: refuses while the username is throttled (from this address, or
/// everywhere), and finds the user. A throttled client address does not refuse yet: an
/// office behind one address must not be locked out by one guesser among them, so its
/// attempts are checked, and each wrong one is answered as throttled (`finish_sign_in`).
pub fn begin_sign_in(conn: &mut DbConn, username: &str, address: &str) -> Result<SignIn, Error> {
    let username = username.trim().to_lowercase();
    let keys = [
        (
            format!("user:{username}@{address}"),
            throttle::per_username_address(),
        ),
        (format!("user:{username}"), throttle::per_username()),
        (format!("addr:{address}"), throttle::per_address()),
    ];
    let now = store::now();
    let mut wait = None;
    let mut account_failed = false;
    for (key, policy) in &keys[..2] {
        if let Some(counter) = store::throttle::get(conn, key)? {
            wait = wait.max(throttle::retry_after(&counter, now));
            if key == &keys[1].0 {
                account_failed = throttle::failed_within(policy, &counter, now);
            }
        }
    }
    if let Some(retry_after) = wait {
        return Err(too_many(retry_after));
    }
    let address_wait = match store::throttle::get(conn, &keys[2].0)? {
        Some(counter) => throttle::retry_after(&counter, now),
        None => None,
    };
    let user = users::find_by_username(conn, &username)?;
    Ok(SignIn {
        keys,
        user,
        now,
        address_wait,
        account_failed,
    })
}

/// Ends a sign-in once the password was checked: the user when it was right and the
/// account is active; otherwise a failure counted against the username and the address,
/// with the same answer for an unknown user, a wrong password and an inactive account.
/// From a throttled address, a right password gets in only for an account with no recent
/// failure, and every other attempt is answered as throttled.
pub fn finish_sign_in(
    conn: &mut DbConn,
    attempt: SignIn,
    password_ok: bool,
) -> Result<UserRow, Error> {
    match attempt.user {
        Some(user) if password_ok && user.active => {
            if let (Some(retry_after), true) = (attempt.address_wait, attempt.account_failed) {
                return Err(too_many(retry_after));
            }
            store::throttle::clear(conn, &attempt.keys[0].0)?;
            Ok(user)
        }
        user => {
            for (key, policy) in &attempt.keys {
                let failures = store::throttle::record_failure(conn, key, policy, attempt.now)?;
                // The owner of an account being guessed at is told, once per wave.
                let account_wide = key == &attempt.keys[1].0;
                if let (true, Some(u)) = (account_wide && failures == policy.allowed + 1, &user) {
                    crate::service::notices::sign_in_failures(conn, u, failures, attempt.now)?;
                }
            }
            match attempt.address_wait {
                Some(retry_after) => Err(too_many(retry_after)),
                None => Err(Error::Unauthenticated(BAD_CREDENTIALS.into())),
            }
        }
    }
}

/// Ends every session of the caller, on every device.
pub fn sign_out(conn: &mut DbConn, caller: &Caller) -> Result<(), Error> {
    users::end_sessions(conn, caller.id())?;
    Ok(())
}

/// Changes the caller's own password; every earlier session ends, so the caller signs in
/// again.
pub fn change_password(
    conn: &mut DbConn,
    caller: &Caller,
    current_password: &str,
    new_password: &str,
) -> Result<(), Error> {
    if let Some(msg) = password::policy_error(new_password) {
        return Err(Error::invalid("new_password", msg));
    }
    if !password::verify(current_password, &caller.user.password_hash) {
        return Err(Error::invalid("current_password", "is wrong"));
    }
    let hash = password::hash(new_password).map_err(Error::internal)?;
    if !users::set_password(conn, caller.id(), &hash, false)? {
        return Err(Error::not_found("user"));
    }
    Ok(())
}
