//! Links `dsr-core` (default features off) into a `#![no_std]` static
//! library, so that `check.sh` can prove from the archive's symbols that the
//! core needs neither `std` nor an allocator.
//!
//! Only what is reachable from an exported function ends up in the archive,
//! so [`dsr_nostd_probe`] should exercise as much of the core as is cheap:
//! parse a selector, evaluate eligibility, run one sync into fixed tables.
#![no_std]
#![warn(missing_docs)]

// TODO(lead): once the core API lands, call it from `dsr_nostd_probe`:
// build a small `dsr_core::Engine` (fixed capacities), add one node and one
// DaemonSet, parse a label selector and evaluate eligibility
// (upstream's `NodeShouldRunDaemonPod`) for the pair; later, one sync into
// fixed-capacity tables. Until then only the crate is linked.
use dsr_core as _;

/// Exercises `dsr-core` from C; returns a value derived from the calls so the
/// optimiser cannot drop them. Not meant to be called: the archive is only
/// inspected.
#[no_mangle]
pub extern "C" fn dsr_nostd_probe() -> u32 {
    // TODO(lead): call into dsr_core here (see the TODO above).
    0
}

/// A `no_std` staticlib has to bring its own panic handler; it spins, as
/// firmware without an abort routine would.
#[panic_handler]
fn panic(_info: &core::panic::PanicInfo<'_>) -> ! {
    loop {
        core::hint::spin_loop();
    }
}
