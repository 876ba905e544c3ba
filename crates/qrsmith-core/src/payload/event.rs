//! A calendar event: an iCalendar `VEVENT` (RFC 5545), the form ZXing and phone cameras read
//! from QR codes (`BEGIN:VEVENT` … `END:VEVENT`, without the `VCALENDAR` around it).
//!
//! Text values escape `\`, `;`, `,` and line breaks (`\n`, RFC 5545 section 3.3.11); lines end
//! with CRLF and are folded at 75 octets (section 3.1).

use super::{invalid, max_chars, no_controls_but_newlines, present, push_folded, required};
use crate::error::Result;

/// A calendar event.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Deserialize),
    serde(deny_unknown_fields)
)]
pub struct Event {
    /// The title (`SUMMARY`).
    pub summary: String,
    /// The start: a date `2026-03-14` (all day), a local time `2026-03-14T09:30[:00]`, or a UTC
    /// time `2026-03-14T09:30:00Z` (iCalendar's basic forms `20260314T093000Z` too).
    pub start: String,
    /// The end, in the same form as the start and after it (for dates: the day after the last
    /// one, as iCalendar counts).
    #[cfg_attr(feature = "serde", serde(default))]
    pub end: Option<String>,
    /// Where (`LOCATION`).
    #[cfg_attr(feature = "serde", serde(default))]
    pub location: Option<String>,
    /// Details (`DESCRIPTION`; line breaks allowed).
    #[cfg_attr(feature = "serde", serde(default))]
    pub description: Option<String>,
}

/// A date or date-time as iCalendar writes it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum When {
    /// `YYYYMMDD`.
    Date(String),
    /// `YYYYMMDDTHHMMSS`, with `Z` when UTC.
    DateTime(String, bool),
}

impl When {
    /// `;VALUE=DATE:20260314` or `:20260314T093000Z`.
    fn property(&self, name: &str) -> String {
        match self {
            When::Date(d) => format!("{name};VALUE=DATE:{d}"),
            When::DateTime(t, utc) => format!("{name}:{t}{}", if *utc { "Z" } else { "" }),
        }
    }
}

/// Whether year, month and day name a day of the Gregorian calendar.
pub(crate) fn valid_date(year: u32, month: u32, day: u32) -> bool {
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    (1..=9999).contains(&year) && (1..=days).contains(&day)
}

/// Parses the forms [`Event::start`] documents.
fn parse_when(field: &str, value: &str) -> Result<When> {
    let bad = || {
        invalid(
            field,
            format!(
                "{value:?}: use a date 2026-03-14, a local time 2026-03-14T09:30 or a UTC time 2026-03-14T09:30:00Z"
            ),
        )
    };
    let value = value.trim();
    let (date, time) = match value.split_once(['T', 't', ' ']) {
        Some((d, t)) => (d, Some(t)),
        None => (value, None),
    };
    let date: String = date.chars().filter(|c| *c != '-').collect();
    if date.len() != 8 || !date.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    let num = |s: &str| s.parse::<u32>().map_err(|_| bad());
    if !valid_date(num(&date[..4])?, num(&date[4..6])?, num(&date[6..])?) {
        return Err(bad());
    }
    let Some(time) = time else {
        return Ok(When::Date(date));
    };
    let (time, utc) = match time.strip_suffix(['Z', 'z']) {
        Some(t) => (t, true),
        None => (time, false),
    };
    if time.contains(['+', '-']) {
        return Err(invalid(
            field,
            format!("{value:?}: give the time in UTC (with Z) or as local time, without an offset"),
        ));
    }
    let mut time: String = time.chars().filter(|c| *c != ':').collect();
    if time.len() == 4 {
        time.push_str("00");
    }
    if time.len() != 6 || !time.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    // RFC 5545 section 3.3.12 allows second 60 (a leap second).
    if num(&time[..2])? > 23 || num(&time[2..4])? > 59 || num(&time[4..])? > 60 {
        return Err(bad());
    }
    Ok(When::DateTime(format!("{date}T{time}"), utc))
}

impl Event {
    /// Validates the fields and returns the `VEVENT`, CRLF line ends included.
    pub fn build(&self) -> Result<String> {
        let summary = required("summary", &self.summary)?;
        let text = |field: &str, name: &str, value: &str, max: usize| -> Result<String> {
            no_controls_but_newlines(field, value)?;
            max_chars(field, value, max)?;
            Ok(format!("{name}:{}", super::escape_text(value, true)))
        };
        let mut lines = vec![
            "BEGIN:VEVENT".to_owned(),
            text("summary", "SUMMARY", summary, 500)?,
        ];
        let start = parse_when("start", &self.start)?;
        lines.push(start.property("DTSTART"));
        if let Some(end) = present(&self.end) {
            let end = parse_when("end", end)?;
            let same_kind = match (&start, &end) {
                (When::Date(_), When::Date(_)) => true,
                (When::DateTime(_, a), When::DateTime(_, b)) => a == b,
                _ => false,
            };
            if !same_kind {
                return Err(invalid(
                    "end",
                    "give the end in the same form as the start (a date, a local time or a UTC time)",
                ));
            }
            if end <= start {
                return Err(invalid("end", "must be after the start"));
            }
            lines.push(end.property("DTEND"));
        }
        if let Some(location) = present(&self.location) {
            lines.push(text("location", "LOCATION", location, 500)?);
        }
        if let Some(description) = present(&self.description) {
            lines.push(text("description", "DESCRIPTION", description, 2000)?);
        }
        lines.push("END:VEVENT".to_owned());
        let mut out = String::new();
        for line in &lines {
            push_folded(&mut out, line);
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &str) -> Option<String> {
        Some(v.into())
    }

    fn unfolded(event: &str) -> Vec<String> {
        event
            .replace("\r\n ", "")
            .split("\r\n")
            .filter(|l| !l.is_empty())
            .map(str::to_owned)
            .collect()
    }

    #[test]
    fn rfc_5545_text_examples() {
        let event = Event {
            // RFC 5545 section 3.8.1.12.
            summary: "Department Party".into(),
            start: "1997-03-07".into(),
            end: s("19970308"),
            // Section 3.8.1.7: the comma is escaped.
            location: s("Conference Room - F123, Bldg. 002"),
            // Section 3.8.1.5, printed there folded over three lines.
            description: s(
                "Meeting to provide technical review for \"Phoenix\" design.\n\
                            Happy Face Conference Room. Phoenix design team MUST attend this \
                            meeting.\nRSVP to team leader.",
            ),
        };
        let built = event.build().unwrap();
        assert_eq!(
            unfolded(&built),
            [
                "BEGIN:VEVENT",
                "SUMMARY:Department Party",
                "DTSTART;VALUE=DATE:19970307",
                "DTEND;VALUE=DATE:19970308",
                "LOCATION:Conference Room - F123\\, Bldg. 002",
                "DESCRIPTION:Meeting to provide technical review for \"Phoenix\" design.\\nHappy Face Conference Room. Phoenix design team MUST attend this meeting.\\nRSVP to team leader.",
                "END:VEVENT",
            ]
        );
        // Folded at 75 octets, each continuation one space.
        let lines: Vec<&str> = built.trim_end_matches("\r\n").split("\r\n").collect();
        assert!(lines.iter().all(|l| l.len() <= 75), "{lines:#?}");
        assert_eq!(lines[5].len(), 75);
        assert!(lines[6].starts_with(' '));
        assert!(built.ends_with("END:VEVENT\r\n"));
    }

    #[test]
    fn times_and_escaping() {
        let event = Event {
            summary: "a;b,c\\d".into(),
            start: "2026-03-14T09:30".into(),
            end: s("2026-03-14T11:00:30"),
            ..Event::default()
        };
        assert_eq!(
            event.build().unwrap(),
            "BEGIN:VEVENT\r\nSUMMARY:a\\;b\\,c\\\\d\r\nDTSTART:20260314T093000\r\n\
             DTEND:20260314T110030\r\nEND:VEVENT\r\n"
        );
        let utc = Event {
            summary: "x".into(),
            start: "20260314T093000Z".into(),
            ..Event::default()
        };
        assert!(utc
            .build()
            .unwrap()
            .contains("\r\nDTSTART:20260314T093000Z\r\n"));
    }

    #[test]
    fn invalid_fields_are_named() {
        let base = Event {
            summary: "x".into(),
            start: "2026-03-14".into(),
            ..Event::default()
        };
        let cases = [
            (
                Event {
                    summary: " ".into(),
                    ..base.clone()
                },
                "summary",
            ),
            (
                Event {
                    start: "2026-02-29".into(),
                    ..base.clone()
                },
                "start",
            ),
            (
                Event {
                    start: "2026-03-14T24:00".into(),
                    ..base.clone()
                },
                "start",
            ),
            (
                Event {
                    start: "2026-03-14T10:00+01:00".into(),
                    ..base.clone()
                },
                "start",
            ),
            (
                Event {
                    start: "tomorrow".into(),
                    ..base.clone()
                },
                "start",
            ),
            (
                Event {
                    end: s("2026-03-14"),
                    ..base.clone()
                },
                "end",
            ),
            (
                Event {
                    end: s("2026-03-15T10:00"),
                    ..base.clone()
                },
                "end",
            ),
            (
                Event {
                    start: "2026-03-14T10:00Z".into(),
                    end: s("2026-03-14T11:00"),
                    ..base.clone()
                },
                "end",
            ),
            (
                Event {
                    location: s("a\u{0}b"),
                    ..base.clone()
                },
                "location",
            ),
        ];
        for (event, field) in cases {
            let err = event.build().unwrap_err();
            assert!(
                err.message().starts_with(&format!("{field}: ")),
                "{event:?}: {err}"
            );
        }
        assert!(valid_date(2000, 2, 29));
        assert!(!valid_date(1900, 2, 29));
    }
}
