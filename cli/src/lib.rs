//! The library behind `dsr`, the host command line of dsr: reading Kubernetes
//! objects (JSON or YAML), handing them to `dsr-core` and printing what the core
//! decides. The binary (`src/main.rs`) parses arguments and calls in here; the
//! fuzz target `cli_load` calls [`load`].
//!
//! Every decision comes from the core; this crate only translates and prints.

pub mod bench;
pub mod capacity;
pub mod conformance;
pub mod engine;
pub mod explain;
pub mod feed;
pub mod load;
pub mod plan;
pub mod show;

use clap::Args;

/// Caps on input files.
#[derive(Debug, Args)]
pub struct LimitArgs {
    /// Largest input file, in bytes (each file of a folder; standard input).
    #[arg(long, value_name = "BYTES", default_value_t = load::DEFAULT_MAX_BYTES)]
    pub max_bytes: u64,
    /// Most objects in one input (a file, a folder, standard input).
    #[arg(long, value_name = "N", default_value_t = load::DEFAULT_MAX_OBJECTS)]
    pub max_objects: usize,
}

impl LimitArgs {
    /// The caps, for [`load`].
    pub fn limits(&self) -> load::Limits {
        load::Limits {
            max_bytes: self.max_bytes,
            max_objects: self.max_objects,
        }
    }
}
