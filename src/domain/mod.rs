//! Pure rules with no I/O: roles, the credit-code check, the working-day calendar.

pub mod calendar;
pub mod credit_code;
pub mod role;
