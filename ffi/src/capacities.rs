//! The capacities this build of `libdsr` was made with.
//!
//! Set at build time by environment variables read in `build.rs`
//! (`DSR_NODES=256 cargo build -p dsr-ffi --release`); the table in
//! `ffi/README.md` lists them with their defaults. A C program asks with
//! `dsr_engine_capacities()`.

/// The values `build.rs` wrote (the `DSR_*` variables, or their defaults).
pub mod build {
    include!(concat!(env!("OUT_DIR"), "/capacities.rs"));
}

/// The core engine type this build exports.
pub type CoreEngine = dsr_core::Engine<
    { build::NODES },
    { build::DAEMON_SETS },
    { build::PODS },
    { build::STRINGS },
    { build::STRING_BYTES },
    { build::LABELS },
    { build::RULES },
    { build::TAINTS },
    { build::TERMS },
    { build::BACKOFF },
>;

/// The plan the engine keeps from its last sync.
pub type CorePlan = dsr_core::sync::Plan<{ build::PLAN }>;
