//! The emulator's injectable clock, and its instants as the models' timestamps.

use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use stytch_totp_models::chrono::{DateTime, SecondsFormat, Utc};

/// The time source of one emulator.
///
/// Cloning a `Clock` shares it: advancing one clone advances all of them, so tests can keep a
/// clone (or call [`Emulator::advance_clock`](crate::Emulator::advance_clock)) to
/// expire TOTPs, sessions and user locks without sleeping.
///
/// ```
/// use std::time::{Duration, UNIX_EPOCH};
/// use stytch_totp_emulator::Clock;
///
/// let clock = Clock::fixed(UNIX_EPOCH + Duration::from_secs(1_700_000_000));
/// clock.advance(Duration::from_secs(90));
/// assert_eq!(clock.unix_seconds(), 1_700_000_090);
/// ```
#[derive(Clone, Default)]
pub struct Clock {
    inner: Arc<ClockInner>,
}

#[derive(Default)]
struct ClockInner {
    /// `None`: follow the system clock; `Some`: frozen at this instant.
    base: Option<SystemTime>,
    offset: Mutex<Duration>,
}

impl Clock {
    /// Follows the system clock, plus whatever [`Clock::advance`] added.
    pub fn system() -> Self {
        Self::default()
    }

    /// Frozen at `start`; it moves only when [`Clock::advance`] is called. Handy for
    /// deterministic tests.
    pub fn fixed(start: SystemTime) -> Self {
        Self {
            inner: Arc::new(ClockInner {
                base: Some(start),
                offset: Mutex::new(Duration::ZERO),
            }),
        }
    }

    /// Moves this clock (and every clone of it) forward.
    pub fn advance(&self, by: Duration) {
        let mut offset = self
            .inner
            .offset
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        *offset = offset.saturating_add(by);
    }

    /// The current time of this clock.
    pub fn now(&self) -> SystemTime {
        let base = self.inner.base.unwrap_or_else(SystemTime::now);
        let offset = *self
            .inner
            .offset
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        base.checked_add(offset).unwrap_or(base)
    }

    /// The current time as whole seconds since the Unix epoch (0 before 1970).
    pub fn unix_seconds(&self) -> u64 {
        unix_seconds(self.now())
    }
}

impl fmt::Debug for Clock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Clock")
            .field("fixed", &self.inner.base.is_some())
            .field("now", &rfc3339(self.now()))
            .finish()
    }
}

/// Whole seconds since the Unix epoch; 0 for earlier instants.
pub(crate) fn unix_seconds(time: SystemTime) -> u64 {
    time.duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// `time` + `by`, saturating at `time` if the sum is not representable.
pub(crate) fn add(time: SystemTime, by: Duration) -> SystemTime {
    time.checked_add(by).unwrap_or(time)
}

/// The last instant RFC 3339 can write: `9999-12-31T23:59:59Z`.
const LAST_RFC3339_SECOND: i64 = 253_402_300_799;

/// An instant as the models' timestamp (what every `*_at` field of a response holds), in
/// whole seconds as Stytch sends them: rendered, it reads `2021-12-29T12:33:09Z`. Instants
/// before 1970 read as the epoch, those past the year 9999 as `9999-12-31T23:59:59Z`.
///
/// ```
/// use std::time::{Duration, UNIX_EPOCH};
/// use stytch_totp_emulator::timestamp;
/// let at = timestamp(UNIX_EPOCH + Duration::from_millis(1_640_781_189_750));
/// assert_eq!(serde_json::to_string(&at)?, r#""2021-12-29T12:33:09Z""#);
/// # Ok::<(), serde_json::Error>(())
/// ```
pub fn timestamp(time: SystemTime) -> DateTime<Utc> {
    let seconds = i64::try_from(unix_seconds(time))
        .map_or(LAST_RFC3339_SECOND, |s| s.min(LAST_RFC3339_SECOND));
    DateTime::from_timestamp(seconds, 0).unwrap_or_default()
}

/// [`timestamp`] as text, e.g. `2021-12-29T12:33:09Z`: the same text as in a response, for
/// the emulator's own pages and error messages.
///
/// ```
/// use std::time::{Duration, UNIX_EPOCH};
/// use stytch_totp_emulator::rfc3339;
/// assert_eq!(rfc3339(UNIX_EPOCH), "1970-01-01T00:00:00Z");
/// assert_eq!(rfc3339(UNIX_EPOCH + Duration::from_secs(1_640_781_189)), "2021-12-29T12:33:09Z");
/// ```
pub fn rfc3339(time: SystemTime) -> String {
    timestamp(time).to_rfc3339_opts(SecondsFormat::Secs, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_known_instants() {
        let at = |s: u64| rfc3339(UNIX_EPOCH + Duration::from_secs(s));
        assert_eq!(at(0), "1970-01-01T00:00:00Z");
        assert_eq!(at(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(at(1_772_469_665), "2026-03-02T16:41:05Z");
        assert_eq!(at(4_107_542_399), "2100-02-28T23:59:59Z");
        assert_eq!(at(253_402_300_799), "9999-12-31T23:59:59Z");
        assert_eq!(at(253_402_300_800), "9999-12-31T23:59:59Z");
        // Sub-second parts are dropped, not written as a fraction.
        assert_eq!(
            rfc3339(UNIX_EPOCH + Duration::from_millis(1_500)),
            "1970-01-01T00:00:01Z"
        );
        assert_eq!(
            rfc3339(UNIX_EPOCH - Duration::from_secs(5)),
            "1970-01-01T00:00:00Z"
        );
    }

    /// The text and the models' serde encoding of an instant are the same.
    #[test]
    fn text_is_the_models_encoding() {
        for seconds in [
            0,
            1_640_781_189,
            4_107_542_399,
            253_402_300_799,
            u64::MAX / 4,
        ] {
            let at = UNIX_EPOCH
                .checked_add(Duration::from_secs(seconds))
                .unwrap();
            let json = serde_json::to_value(timestamp(at)).unwrap();
            assert_eq!(json, rfc3339(at), "{seconds}");
        }
    }

    #[test]
    fn fixed_clock_moves_only_when_advanced_and_clones_share() {
        let start = UNIX_EPOCH + Duration::from_secs(1000);
        let clock = Clock::fixed(start);
        let other = clock.clone();
        assert_eq!(clock.now(), start);
        other.advance(Duration::from_secs(30));
        assert_eq!(clock.unix_seconds(), 1030);
        // An offset past what SystemTime can hold saturates instead of panicking, and the
        // clock then reads its start.
        clock.advance(Duration::MAX);
        clock.advance(Duration::MAX);
        assert_eq!(clock.now(), start);
    }

    #[test]
    fn system_clock_follows_real_time_plus_offset() {
        let clock = Clock::system();
        clock.advance(Duration::from_secs(3600));
        let diff = clock.now().duration_since(SystemTime::now()).unwrap();
        assert!(diff > Duration::from_secs(3590));
    }
}
