//! `dsr`: the host command line of dsr.
mod convert;
mod engine;
mod load;
fn main() {}
