//! Placeholder until the parser lands.
/// Parse error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ParseError {
    /// Syntax.
    Syntax {
        /// Where.
        position: usize,
    },
}
impl core::fmt::Display for ParseError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("syntax")
    }
}
