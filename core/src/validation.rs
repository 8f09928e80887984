//! Placeholder until the validation module lands.
/// Why a string failed validation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ValidationError {
    /// Bad format.
    InvalidFormat,
}
impl core::fmt::Display for ValidationError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("invalid")
    }
}
/// Label key.
pub fn validate_label_key(_key: &str) -> Result<(), ValidationError> {
    Ok(())
}
/// Label value.
pub fn validate_label_value(_v: &str) -> Result<(), ValidationError> {
    Ok(())
}
