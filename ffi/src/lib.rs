//! # dsr-ffi: the C ABI of dsr
//!
//! `libdsr.a` / `libdsr.so` over [`dsr_core`], declared by the generated
//! `include/dsr.h`. The layer translates and checks; every decision is the
//! core's.
//!
//! - **Memory from the caller.** [`engine::dsr_engine_size`] and
//!   [`engine::dsr_engine_align`] say what an engine needs and
//!   [`engine::dsr_engine_init`] places one there (a static array on firmware).
//!   No function allocates. Capacities are fixed when the library is built
//!   (`DSR_*` environment variables read by `build.rs`) and reported by
//!   [`engine::dsr_engine_capacities`].
//! - **Errors, never UB.** Every function returns a [`result::dsr_result`] (or a
//!   value that cannot fail); every pointer, length, UTF-8 string and
//!   enum-as-integer is checked first; out-parameters come last and are
//!   written only on success. Every exported body runs inside
//!   [`boundary!`]: on hosted builds (feature `std`) a panic becomes
//!   `DSR_RESULT_PANIC`; firmware builds use `panic = "abort"` over a core
//!   without panicking paths.
//! - **Strings** are `dsr_str { ptr, len }`, UTF-8, not NUL-terminated; a NULL
//!   `ptr` is allowed with `len == 0`. Arrays are a pointer and a length, NULL
//!   allowed when the length is 0. Text written back to the caller is
//!   NUL-terminated.
//!
//! Building for firmware: `scripts/build-firmware.sh` (its own target
//! directory, the capacities in one place, and the build's `dsr_config.h`,
//! see [`config`]).
#![cfg_attr(not(feature = "std"), no_std)]
#![deny(missing_docs, unsafe_op_in_unsafe_fn)]
#![deny(clippy::undocumented_unsafe_blocks)]
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing,
        clippy::unreachable,
        clippy::todo,
        clippy::unimplemented
    )
)]
// C names: the types are the header's, spelled as C spells them.
#![allow(non_camel_case_types)]

#[macro_use]
pub mod boundary;
pub mod capacities;
#[macro_use]
mod convert;
#[macro_use]
pub mod engine;
pub mod apply;
pub mod config;
pub mod names;
pub mod query;
pub mod result;
pub mod snapshot;
pub mod sync;
pub mod types;
pub mod validate;
pub mod version;

pub use result::dsr_result;

/// The panic handler of the firmware build (feature `panic-handler`, without
/// `std`).
///
/// A `no_std` staticlib must define one to link. The core has no panicking
/// paths on input (its lints forbid `unwrap`, indexing and friends), and the
/// firmware build uses `panic = "abort"`, so this is not expected to run; if it
/// does, it parks the CPU in a spin loop rather than returning into corrupt
/// state.
#[cfg(all(not(feature = "std"), feature = "panic-handler", not(test)))]
#[panic_handler]
fn panic(_info: &core::panic::PanicInfo<'_>) -> ! {
    loop {
        core::hint::spin_loop();
    }
}
