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
}

impl SignIn {
    /// The stored hash to check the password against; None for an unknown username (the
    /// check then spends the same work on a dummy, so timing does not tell).
    pub fn stored_hash(&self) -> Option<String> {
        self.user.as_ref().map(|u| u.password_hash.clone())
    }
}

/// Begins a sign-in: refuses while the username or the client address (`address`) is
/// throttled, and finds the user.
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
    for (key, _) in &keys {
        if let Some(counter) = store::throttle::get(conn, key)? {
            wait = wait.max(throttle::retry_after(&counter, now));
        }
    }
    if let Some(retry_after) = wait {
        return Err(Error::TooManyAttempts {
            detail: "too many failed sign-in attempts; try again later".into(),
            retry_after,
        });
    }
    let user = users::find_by_username(conn, &username)?;
    Ok(SignIn { keys, user, now })
}

/// Ends a sign-in once the password was checked: the user when it was right and the
/// account is active; otherwise a failure counted against the username and the address,
/// with the same answer for an unknown user, a wrong password and an inactive account.
pub fn finish_sign_in(
    conn: &mut DbConn,
    attempt: SignIn,
    password_ok: bool,
) -> Result<UserRow, Error> {
    match attempt.user {
        Some(user) if password_ok && user.active => {
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
            Err(Error::Unauthenticated(BAD_CREDENTIALS.into()))
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
    if !users::set_password(conn, caller.id(), &hash)? {
        return Err(Error::not_found("user"));
    }
    Ok(())
}
