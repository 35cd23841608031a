//! The migrations are embedded at compile time (`embed_migrations!`): a changed or new
//! migration must rebuild the crate, as diesel_migrations' documentation advises.
fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
