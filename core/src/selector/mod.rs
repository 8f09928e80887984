//! Label selectors.
pub mod syntax;
