//! Validation of names and labels as Kubernetes validates them.

use dsr_core::validation;

use crate::result::dsr_result;
use crate::types::dsr_str;

/// `DSR_RESULT_OK` when `key` is a valid label key (upstream's
/// `IsQualifiedName`: an optional DNS-subdomain prefix and `/`, then 1 to 63
/// of `[-A-Za-z0-9_.]`, alphanumeric at both ends), else
/// `DSR_RESULT_INVALID_LABEL_KEY`.
///
/// # Safety
/// `key` must be valid for its length.
#[no_mangle]
pub unsafe extern "C" fn dsr_validate_label_key(key: dsr_str) -> dsr_result {
    boundary!({
        let key = try_str!(key);
        validation::validate_label_key(key)
            .map_err(|_| dsr_result::DSR_RESULT_INVALID_LABEL_KEY.into())
    })
}

/// `DSR_RESULT_OK` when `value` is a valid label value (upstream's
/// `IsValidLabelValue`: empty, or up to 63 of `[-A-Za-z0-9_.]`, alphanumeric
/// at both ends), else `DSR_RESULT_INVALID_LABEL_VALUE`.
///
/// # Safety
/// `value` must be valid for its length.
#[no_mangle]
pub unsafe extern "C" fn dsr_validate_label_value(value: dsr_str) -> dsr_result {
    boundary!({
        let value = try_str!(value);
        validation::validate_label_value(value)
            .map_err(|_| dsr_result::DSR_RESULT_INVALID_LABEL_VALUE.into())
    })
}

/// `DSR_RESULT_OK` when `name` is a DNS-1123 subdomain (upstream's
/// `IsDNS1123Subdomain`: at most 253 bytes of dot-separated lowercase
/// alphanumeric labels with inner `-`), else `DSR_RESULT_INVALID_NAME`.
///
/// # Safety
/// `name` must be valid for its length.
#[no_mangle]
pub unsafe extern "C" fn dsr_validate_dns_subdomain(name: dsr_str) -> dsr_result {
    boundary!({
        let name = try_str!(name);
        validation::validate_dns_subdomain(name)
            .map_err(|_| dsr_result::DSR_RESULT_INVALID_NAME.into())
    })
}
