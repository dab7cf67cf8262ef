//! 和暦 (Japanese era) dates for printed forms: 令和N年M月D日, with 元年 for the first year
//! and the era boundaries of the Gregorian period (明治6年 = 1873 onwards).

use chrono::{Datelike, NaiveDate};

// (first day of the era, name). 平成 ends 2019-04-30; 令和 starts 2019-05-01.
const ERAS: [((i32, u32, u32), &str); 5] = [
    ((2019, 5, 1), "令和"),
    ((1989, 1, 8), "平成"),
    ((1926, 12, 25), "昭和"),
    ((1912, 7, 30), "大正"),
    ((1868, 10, 23), "明治"),
];

/// The 和暦 form of `date`, e.g. `令和元年5月1日`; `None` before 1873-01-01 (the adoption of
/// the Gregorian calendar in Japan, before which 和暦 dates used the lunisolar calendar).
pub fn wareki(date: NaiveDate) -> Option<String> {
    if date < NaiveDate::from_ymd_opt(1873, 1, 1)? {
        return None;
    }
    for ((y, m, d), name) in ERAS {
        let start = NaiveDate::from_ymd_opt(y, m, d)?;
        if date >= start {
            let n = date.year() - y + 1;
            let year = if n == 1 {
                "元".to_string()
            } else {
                n.to_string()
            };
            return Some(format!("{name}{year}年{}月{}日", date.month(), date.day()));
        }
    }
    None
}

/// Both forms, e.g. `令和8年11月22日 (2026-11-22)`.
pub fn both(date: NaiveDate) -> String {
    match wareki(date) {
        Some(w) => format!("{w} ({date})"),
        None => date.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn era_boundaries() {
        assert_eq!(wareki(d(2019, 4, 30)).unwrap(), "平成31年4月30日");
        assert_eq!(wareki(d(2019, 5, 1)).unwrap(), "令和元年5月1日");
        assert_eq!(wareki(d(2019, 12, 31)).unwrap(), "令和元年12月31日");
        assert_eq!(wareki(d(2020, 1, 1)).unwrap(), "令和2年1月1日");
        assert_eq!(wareki(d(2026, 11, 22)).unwrap(), "令和8年11月22日");
        assert_eq!(wareki(d(1989, 1, 7)).unwrap(), "昭和64年1月7日");
        assert_eq!(wareki(d(1989, 1, 8)).unwrap(), "平成元年1月8日");
        assert_eq!(wareki(d(1926, 12, 24)).unwrap(), "大正15年12月24日");
        assert_eq!(wareki(d(1926, 12, 25)).unwrap(), "昭和元年12月25日");
        assert_eq!(wareki(d(1912, 7, 29)).unwrap(), "明治45年7月29日");
        assert_eq!(wareki(d(1912, 7, 30)).unwrap(), "大正元年7月30日");
        assert_eq!(wareki(d(1873, 1, 1)).unwrap(), "明治6年1月1日");
        assert_eq!(wareki(d(1872, 12, 31)), None);
        assert_eq!(both(d(2019, 5, 1)), "令和元年5月1日 (2019-05-01)");
    }
}
