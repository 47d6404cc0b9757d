#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use super::*;

fn d(y: i32, m: u8, day: u8) -> Date {
    Date::new(y, m, day).unwrap()
}

#[test]
fn known_days() {
    assert_eq!(d(1970, 1, 1).days_since_epoch(), 0);
    assert_eq!(d(2000, 3, 1).days_since_epoch(), 11_017);
    assert_eq!(d(1969, 12, 31).days_since_epoch(), -1);
    assert_eq!(d(2000, 2, 29).days_since_epoch(), 11_016);
    assert_eq!(d(1, 1, 1).days_since_epoch(), -719_162);
    assert_eq!(d(9999, 12, 31).days_since_epoch(), 2_932_896);
    assert_eq!(MIN_DAYS, -719_162);
    assert_eq!(MAX_DAYS, 2_932_896);
    assert_eq!(Date::from_days_since_epoch(11_017).unwrap(), d(2000, 3, 1));
}

#[test]
fn raw_algorithm_round_trips_wide_range() {
    let mut prev: Option<(i64, i64, i64)> = None;
    for z in -800_000..=800_000_i64 {
        let (y, m, day) = civil_from_days(z);
        assert_eq!(days_from_civil(y, m, day), z);
        if let Some(p) = prev {
            assert!((y, m, day) > p, "not increasing at {z}");
        }
        prev = Some((y, m, day));
    }
}

#[test]
fn date_round_trips_step_7() {
    for z in (-800_000..=800_000_i64).step_by(7) {
        match Date::from_days_since_epoch(z) {
            Ok(date) => {
                assert!((MIN_DAYS..=MAX_DAYS).contains(&z));
                assert_eq!(date.days_since_epoch(), z);
                let text = date.to_string();
                assert_eq!(text.parse::<Date>().unwrap(), date);
            }
            Err(e) => {
                assert!(!(MIN_DAYS..=MAX_DAYS).contains(&z));
                assert_eq!(e, DateError::OutOfRange);
            }
        }
    }
}

#[test]
fn range_limits() {
    assert_eq!(
        Date::from_days_since_epoch(MIN_DAYS - 1),
        Err(DateError::OutOfRange)
    );
    assert_eq!(
        Date::from_days_since_epoch(MAX_DAYS + 1),
        Err(DateError::OutOfRange)
    );
    assert_eq!(
        Date::from_days_since_epoch(i64::MIN),
        Err(DateError::OutOfRange)
    );
    assert_eq!(
        Date::from_days_since_epoch(i64::MAX),
        Err(DateError::OutOfRange)
    );
    assert_eq!(d(9999, 12, 31).succ(), Err(DateError::OutOfRange));
    assert_eq!(Date::new(0, 1, 1), Err(DateError::OutOfRange));
    assert_eq!(Date::new(10_000, 1, 1), Err(DateError::OutOfRange));
}

#[test]
fn calendar_validation() {
    assert!(Date::new(2024, 2, 29).is_ok());
    assert!(Date::new(2000, 2, 29).is_ok());
    assert_eq!(
        Date::new(1900, 2, 29),
        Err(DateError::InvalidDate {
            year: 1900,
            month: 2,
            day: 29
        })
    );
    assert!(Date::new(2023, 2, 29).is_err());
    assert!(Date::new(2023, 4, 31).is_err());
    assert!(Date::new(2023, 13, 1).is_err());
    assert!(Date::new(2023, 0, 1).is_err());
    assert!(Date::new(2023, 1, 0).is_err());
    assert!(Date::new(2023, 1, 31).is_ok());
}

#[test]
fn succ_crosses_boundaries() {
    assert_eq!(d(2023, 12, 31).succ().unwrap(), d(2024, 1, 1));
    assert_eq!(d(2024, 2, 28).succ().unwrap(), d(2024, 2, 29));
    assert_eq!(d(2024, 2, 29).succ().unwrap(), d(2024, 3, 1));
    assert_eq!(d(2023, 2, 28).succ().unwrap(), d(2023, 3, 1));
}

#[test]
fn parse_and_display() {
    let date: Date = "2026-11-22".parse().unwrap();
    assert_eq!((date.year(), date.month(), date.day()), (2026, 11, 22));
    assert_eq!(date.to_string(), "2026-11-22");
    assert_eq!(d(1, 2, 3).to_string(), "0001-02-03");
    for bad in [
        "",
        "2026-1-22",
        "2026-11-22 ",
        " 2026-11-22",
        "2026/11/22",
        "20261122",
        "+026-11-22",
        "2026-11-2a",
        "２０２６-11-22",
        "日日日日-11-22",
        "😀😀-11-22",
        "2026-11-220",
    ] {
        assert!(
            matches!(bad.parse::<Date>(), Err(DateError::Syntax { .. })),
            "{bad:?}"
        );
    }
    assert!(matches!(
        "2023-02-29".parse::<Date>(),
        Err(DateError::InvalidDate { .. })
    ));
    assert_eq!("0000-01-01".parse::<Date>(), Err(DateError::OutOfRange));
}

#[test]
fn syntax_error_input_truncated() {
    let long = "日".repeat(1000);
    match long.parse::<Date>() {
        Err(DateError::Syntax { input }) => assert_eq!(input.chars().count(), 64),
        other => panic!("{other:?}"),
    }
}

#[test]
fn yyyymmdd() {
    assert_eq!(Date::parse_yyyymmdd("19491231").unwrap(), d(1949, 12, 31));
    assert_eq!(Date::parse_yyyymmdd("20240229").unwrap(), d(2024, 2, 29));
    assert!(matches!(
        Date::parse_yyyymmdd("19490230"),
        Err(DateError::InvalidDate { .. })
    ));
    assert!(Date::parse_yyyymmdd("20230229").is_err());
    assert!(Date::parse_yyyymmdd("20231301").is_err());
    assert!(Date::parse_yyyymmdd("2023-1-1").is_err());
    assert!(Date::parse_yyyymmdd("2023010").is_err());
    assert!(Date::parse_yyyymmdd("202301011").is_err());
    assert!(Date::parse_yyyymmdd("2023０1").is_err());
}

#[test]
fn ordering_is_chronological() {
    assert!(d(2023, 12, 31) < d(2024, 1, 1));
    assert!(d(2024, 1, 31) < d(2024, 2, 1));
    assert!(d(2024, 2, 1) < d(2024, 2, 2));
}

#[test]
fn china_time() {
    assert_eq!(d(1970, 1, 1).start_in_china().secs(), -28_800);
    assert_eq!(
        UnixTime::from_secs(-1).date_in_china().unwrap(),
        d(1970, 1, 1)
    );
    assert_eq!(
        UnixTime::from_secs(-28_800).date_in_china().unwrap(),
        d(1970, 1, 1)
    );
    assert_eq!(
        UnixTime::from_secs(-28_801).date_in_china().unwrap(),
        d(1969, 12, 31)
    );
    assert_eq!(
        UnixTime::from_secs(57_599).date_in_china().unwrap(),
        d(1970, 1, 1)
    );
    assert_eq!(
        UnixTime::from_secs(57_600).date_in_china().unwrap(),
        d(1970, 1, 2)
    );
    assert!(UnixTime::from_secs(-28_800).is_china_midnight());
    assert!(UnixTime::from_secs(57_600).is_china_midnight());
    assert!(!UnixTime::from_secs(0).is_china_midnight());
    assert!(!UnixTime::from_secs(i64::MAX).is_china_midnight());
    assert!(!UnixTime::from_secs(i64::MIN).is_china_midnight());
    assert_eq!(
        UnixTime::from_secs(i64::MAX).date_in_china(),
        Err(DateError::OutOfRange)
    );
    assert_eq!(
        UnixTime::from_secs(i64::MIN).date_in_china(),
        Err(DateError::OutOfRange)
    );
    for z in (-700_000..=2_900_000_i64).step_by(997) {
        let date = Date::from_days_since_epoch(z).unwrap();
        let start = date.start_in_china();
        assert!(start.is_china_midnight());
        assert_eq!(start.date_in_china().unwrap(), date);
        assert_eq!(
            UnixTime::from_secs(start.secs() - 1)
                .date_in_china()
                .unwrap()
                .succ()
                .unwrap(),
            date
        );
    }
}

#[test]
fn rfc3339_parse() {
    let p = |s: &str| UnixTime::parse_rfc3339(s).map(UnixTime::secs);
    assert_eq!(p("1970-01-01T00:00:00Z"), Ok(0));
    assert_eq!(p("1970-01-01t00:00:00z"), Ok(0));
    assert_eq!(p("1970-01-01T08:00:00+08:00"), Ok(0));
    assert_eq!(p("1969-12-31T19:30:00-04:30"), Ok(0));
    assert_eq!(p("1970-01-01T00:00:00-00:00"), Ok(0));
    assert_eq!(p("1970-01-01T00:00:00.999999999Z"), Ok(0));
    assert_eq!(p("1969-12-31T23:59:59.5Z"), Ok(-1));
    assert_eq!(p("2026-11-22T05:38:48Z"), Ok(1_795_325_928));
    assert_eq!(p("2026-11-22T13:38:48+08:00"), Ok(1_795_325_928));
    assert_eq!(p("2026-11-22T00:00:00+08:00"), Ok(1_795_276_800));
    assert!(UnixTime::from_secs(1_795_276_800).is_china_midnight());
    assert_eq!(p("0001-01-01T00:00:00Z"), Ok(MIN_DAYS * 86_400));
    assert_eq!(p("9999-12-31T23:59:59Z"), Ok(MAX_DAYS * 86_400 + 86_399));

    assert_eq!(
        p("2016-12-31T23:59:60Z"),
        Err(DateError::InvalidTime {
            hour: 23,
            minute: 59,
            second: 60
        })
    );
    assert!(matches!(
        p("2026-11-22T24:00:00Z"),
        Err(DateError::InvalidTime { .. })
    ));
    assert!(matches!(
        p("2026-11-22T12:60:00Z"),
        Err(DateError::InvalidTime { .. })
    ));
    assert!(matches!(
        p("2026-11-22T12:00:00+24:00"),
        Err(DateError::InvalidOffset { .. })
    ));
    assert!(matches!(
        p("2026-11-22T12:00:00+08:60"),
        Err(DateError::InvalidOffset { .. })
    ));
    assert!(matches!(
        p("2023-02-29T12:00:00Z"),
        Err(DateError::InvalidDate { .. })
    ));
    assert_eq!(p("0000-01-01T00:00:00Z"), Err(DateError::OutOfRange));
    for bad in [
        "",
        "2026-11-22",
        "2026-11-22T05:38:48",
        "2026-11-22 05:38:48Z",
        "2026-11-22T05:38Z",
        "2026-11-22T05:38:48.Z",
        "2026-11-22T05:38:48,5Z",
        "2026-11-22T05:38:48+0800",
        "2026-11-22T05:38:48+08",
        "2026-11-22T05:38:48Z ",
        "2026-11-22T05:38:48ZZ",
        "2026-11-22T05:38:48+08:00:00",
        "2026-11-22T05:38:4８Z",
        "2026-11-22T05:38:48日",
        "日日日日-11-22T05:38:48Z",
        "😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀",
    ] {
        assert!(
            matches!(p(bad), Err(DateError::Syntax { .. })),
            "{bad:?}: {:?}",
            p(bad)
        );
    }
}

#[test]
fn rfc3339_format() {
    assert_eq!(
        UnixTime::from_secs(1_795_325_928).to_rfc3339_utc(),
        "2026-11-22T05:38:48Z"
    );
    assert_eq!(
        UnixTime::from_secs(0).to_rfc3339_utc(),
        "1970-01-01T00:00:00Z"
    );
    assert_eq!(
        UnixTime::from_secs(-1).to_rfc3339_utc(),
        "1969-12-31T23:59:59Z"
    );
    assert_eq!(
        d(1970, 1, 1).start_in_china().to_rfc3339_utc(),
        "1969-12-31T16:00:00Z"
    );
    for secs in (-62_135_596_800_i64..=253_402_300_799).step_by(7_777_777) {
        let t = UnixTime::from_secs(secs);
        assert_eq!(UnixTime::parse_rfc3339(&t.to_rfc3339_utc()), Ok(t));
    }
    // Out of RFC 3339 range: must not panic, and must not re-parse.
    for secs in [
        i64::MIN,
        i64::MAX,
        MIN_DAYS * 86_400 - 1,
        (MAX_DAYS + 1) * 86_400,
    ] {
        let text = UnixTime::from_secs(secs).to_rfc3339_utc();
        assert!(UnixTime::parse_rfc3339(&text).is_err(), "{text}");
    }
    assert_eq!(
        UnixTime::from_secs((MAX_DAYS + 1) * 86_400).to_rfc3339_utc(),
        "+10000-01-01T00:00:00Z"
    );
}

#[test]
fn serde_round_trip() {
    let date = d(2024, 2, 29);
    let json = serde_json::to_string(&date).unwrap();
    assert_eq!(json, "\"2024-02-29\"");
    assert_eq!(serde_json::from_str::<Date>(&json).unwrap(), date);
    assert!(serde_json::from_str::<Date>("\"2023-02-29\"").is_err());
    assert!(serde_json::from_str::<Date>("\"20240229\"").is_err());
    assert!(serde_json::from_str::<Date>("20240229").is_err());
    let owned: Date = serde_json::from_value(serde_json::json!("2024-02-29")).unwrap();
    assert_eq!(owned, date);
}
