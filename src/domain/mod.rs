//! Pure rules with no I/O: roles, the credit-code check, the working-day calendar, the
//! edition and forum rules, local dates.

pub mod calendar;
pub mod credit_code;
pub mod forum;
pub mod issue;
pub mod lifecycle;
pub mod role;
pub mod time;
