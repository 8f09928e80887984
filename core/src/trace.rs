//! Decision logging: `defmt` on firmware, `log` on hosted builds, nothing otherwise.
//!
//! The two features exclude each other: a build has one logging back end. Format
//! strings use `{:?}`, which both back ends accept (`defmt` reads it through
//! `defmt::Format`, `log` through `Debug`).

#[cfg(all(feature = "defmt", feature = "log"))]
compile_error!(
    "dsr-core: the `defmt` and `log` features exclude each other; enable `defmt` for \
     firmware (defmt::Format, logs over a defmt transport) or `log` for hosted builds, \
     not both"
);

/// Logs at debug level: one line per sync.
macro_rules! debug {
    ($($arg:tt)*) => {{
        #[cfg(feature = "defmt")]
        defmt::debug!($($arg)*);
        #[cfg(feature = "log")]
        log::debug!($($arg)*);
    }};
}

/// Logs at trace level: one line per decision.
macro_rules! trace {
    ($($arg:tt)*) => {{
        #[cfg(feature = "defmt")]
        defmt::trace!($($arg)*);
        #[cfg(feature = "log")]
        log::trace!($($arg)*);
    }};
}

pub(crate) use {debug, trace};
