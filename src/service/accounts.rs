//! Signing in and the caller's own account: the password check with its throttle, signing
//! out everywhere, changing one's own password.

use crate::auth::{password, throttle, Caller};
use crate::db::DbConn;
use crate::error::Error;
use crate::store::{self, users, users::UserRow};

const BAD_CREDENTIALS: &str = "the username or password is wrong";

/// Checks a username and password (slow: argon2 is deliberately expensive, so call it off
/// the async workers). Unknown users, wrong passwords and inactive accounts get the same
/// answer after the same work; repeated failures per username and per client address
/// (`address`) are throttled.
pub fn sign_in(
    conn: &mut DbConn,
    username: &str,
    pw: &str,
    address: &str,
) -> Result<UserRow, Error> {
    let username = username.trim().to_lowercase();
    let keys = [
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
    let found = users::find_by_username(conn, &username)?;
    let ok = match &found {
        Some(u) => password::verify(pw, &u.password_hash) && u.active,
        None => {
            password::verify_nobody(pw);
            false
        }
    };
    match found {
        Some(user) if ok => {
            store::throttle::clear(conn, &keys[0].0)?;
            Ok(user)
        }
        _ => {
            for (key, policy) in &keys {
                store::throttle::record_failure(conn, key, policy, now)?;
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
