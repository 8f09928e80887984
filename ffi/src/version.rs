//! The library's version.

use core::ffi::{c_char, CStr};

/// The version as `MAJOR.MINOR.PATCH`, the crate's.
pub const VERSION: &CStr =
    match CStr::from_bytes_with_nul(concat!(env!("CARGO_PKG_VERSION"), "\0").as_bytes()) {
        Ok(v) => v,
        Err(_) => c"?",
    };

/// The library's version, `"MAJOR.MINOR.PATCH"`: static, NUL-terminated, never
/// NULL. Equals `DSR_VERSION_STRING` when the header matches the library.
#[no_mangle]
pub extern "C" fn dsr_version() -> *const c_char {
    boundary!(value c"?".as_ptr(), { VERSION.as_ptr() })
}
