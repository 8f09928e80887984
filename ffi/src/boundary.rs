//! The one boundary every exported function runs in.
//!
//! ```ignore
//! #[no_mangle]
//! pub unsafe extern "C" fn dsr_example(p: *const T) -> dsr_result {
//!     boundary!({
//!         let p = unsafe { input(p) }?;   // NULL, alignment: Err(code)
//!         ...
//!         Ok(())
//!     })
//! }
//! ```
//!
//! `boundary!({ body })` runs a body of type `Result<(), Failure>` and returns
//! its `dsr_result`; `boundary!(value ON_PANIC, { body })` runs a body that
//! returns a plain value (sizes, static strings) and gives `ON_PANIC` if it
//! panics. On hosted builds (feature `std`) the body runs under
//! `std::panic::catch_unwind`, so a panic becomes `DSR_RESULT_PANIC` and never
//! unwinds into C. Without `std` the firmware build is compiled with
//! `panic = "abort"` and the body runs as is.
//!
//! `tests/boundary.rs` fails when an exported function's body does not start
//! with `boundary!`.

use crate::result::{dsr_result, Failure};

/// Runs `f`; on a panic (hosted builds) returns `on_panic` instead.
#[cfg(feature = "std")]
#[inline]
pub fn run<T>(f: impl FnOnce() -> T, on_panic: T) -> T {
    // AssertUnwindSafe: after a panic the caller gets DSR_RESULT_PANIC and is
    // told (dsr.h) to clear or re-initialise the engine before using it again.
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).unwrap_or(on_panic)
}

/// Runs `f` (firmware builds abort on panic, so there is nothing to catch).
#[cfg(not(feature = "std"))]
#[inline]
pub fn run<T>(f: impl FnOnce() -> T, _on_panic: T) -> T {
    f()
}

/// Runs a fallible body and turns its outcome into a `dsr_result`.
#[inline]
pub fn run_result(f: impl FnOnce() -> Result<(), Failure>) -> dsr_result {
    run(
        || match f() {
            Ok(()) => dsr_result::DSR_RESULT_OK,
            Err(failure) => failure.code,
        },
        dsr_result::DSR_RESULT_PANIC,
    )
}

/// The boundary of every exported function; see the [module docs](self).
#[macro_export]
macro_rules! boundary {
    (value $on_panic:expr, $body:block) => {
        $crate::boundary::run(|| $body, $on_panic)
    };
    ($body:block) => {
        $crate::boundary::run_result(|| -> ::core::result::Result<(), $crate::result::Failure> {
            $body
        })
    };
}

#[cfg(all(test, feature = "std"))]
mod tests {
    use super::*;

    #[test]
    fn a_panic_becomes_dsr_result_panic() {
        let code = run_result(|| {
            let v: [u8; 0] = [];
            let i = std::hint::black_box(3usize);
            #[allow(clippy::indexing_slicing)]
            let _ = v[i];
            Ok(())
        });
        assert_eq!(code, dsr_result::DSR_RESULT_PANIC);
        assert_eq!(run(|| -> usize { panic!("boom") }, 7), 7);
    }

    #[test]
    fn errors_and_success_pass_through() {
        assert_eq!(run_result(|| Ok(())), dsr_result::DSR_RESULT_OK);
        assert_eq!(
            run_result(|| Err(dsr_result::DSR_RESULT_NULL_POINTER.into())),
            dsr_result::DSR_RESULT_NULL_POINTER
        );
    }
}
