use super::*;

#[test]
fn person_codes_are_masked_and_organisation_codes_are_not() {
    assert_eq!(mask_code("11010519491231002X"), "110105********002X");
    assert_eq!(mask_code("E1234"), "*****");
    assert_eq!(
        mask("11010519491231002X", "11010519491231002X"),
        "110105********002X"
    );
    assert_eq!(mask("京交A-0001", "11010519491231002X"), "京交A-0001");
}

#[test]
fn only_suspensions_and_other_are_lifted() {
    use LicenceStatus::*;
    assert!(transition_allowed(Valid, Revoked));
    assert!(transition_allowed(Suspended, Valid));
    assert!(transition_allowed(Other, Valid));
    assert!(!transition_allowed(Revoked, Valid));
    assert!(!transition_allowed(Cancelled, Suspended));
}

#[test]
fn origins_are_checked() {
    assert!(check_origin("verify.example.gov.cn/log").is_ok());
    assert!(check_origin("").is_err());
    assert!(check_origin("a b").is_err());
    assert!(check_origin("a+b").is_err());
}
