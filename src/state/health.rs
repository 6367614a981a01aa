//! Healthchecks as docker records them: the check's configuration (`Config.Healthcheck`, from
//! the image's HEALTHCHECK and the `--health-*` flags) and its results (`State.Health`: the
//! status, the failing streak and the last five probes). The rules that turn a probe's result
//! into a status are docker's (moby `daemon/health.go`); the monitor and `healthcheck run`
//! both go through [`Health::record`].
use serde::{Deserialize, Serialize};

/// Longest probe output kept; more is cut and `...` appended.
pub const MAX_OUTPUT: usize = 4096;
/// Probes kept in `State.Health.Log`.
pub const MAX_LOG: usize = 5;
/// docker's defaults, used where the configuration has 0.
pub const DEFAULT_INTERVAL_NS: i64 = 30_000_000_000;
pub const DEFAULT_TIMEOUT_NS: i64 = 30_000_000_000;
pub const DEFAULT_START_INTERVAL_NS: i64 = 5_000_000_000;
pub const DEFAULT_RETRIES: i64 = 3;
/// docker refuses durations below this (other than 0, the default).
pub const MIN_DURATION_NS: i64 = 1_000_000;

/// docker's `HealthConfig`: `Test` is `[]` (inherit the image's), `["NONE"]`,
/// `["CMD", args...]` or `["CMD-SHELL", command]`; durations in nanoseconds, 0 = default.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct HealthConfig {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub test: Vec<String>,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub interval: i64,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub timeout: i64,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub start_period: i64,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub start_interval: i64,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub retries: i64,
}

fn is_zero(n: &i64) -> bool {
    *n == 0
}

/// What a probe runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Probe {
    /// `CMD`: the arguments as they are.
    Exec(Vec<String>),
    /// `CMD-SHELL`: the command line, for the container's shell.
    Shell(String),
}

impl HealthConfig {
    /// A new container's `Config.Healthcheck`: the user's settings over the image's
    /// (`image_config` is the image's `config` object), checked with the daemon's messages.
    pub fn effective(
        user: Option<&HealthConfig>,
        image_config: &serde_json::Value,
    ) -> Result<Option<HealthConfig>, String> {
        let image: Option<HealthConfig> = match &image_config["Healthcheck"] {
            serde_json::Value::Null => None,
            v => serde_json::from_value(v.clone()).ok(),
        };
        let merged = match user {
            Some(u) => Some(u.clone().merged_over(image.as_ref())),
            None => image,
        };
        if let Some(h) = &merged {
            h.validate()?;
        }
        Ok(merged)
    }

    /// `--no-healthcheck` and `HEALTHCHECK NONE`.
    pub fn none() -> HealthConfig {
        HealthConfig {
            test: vec!["NONE".into()],
            ..Default::default()
        }
    }

    /// docker's merge of the user's configuration over the image's: the user's fields win
    /// where they are set.
    pub fn merged_over(mut self, image: Option<&HealthConfig>) -> HealthConfig {
        let Some(img) = image else { return self };
        if self.test.is_empty() {
            self.test = img.test.clone();
        }
        let fill = |mine: &mut i64, theirs: i64| {
            if *mine == 0 {
                *mine = theirs;
            }
        };
        fill(&mut self.interval, img.interval);
        fill(&mut self.timeout, img.timeout);
        fill(&mut self.start_period, img.start_period);
        fill(&mut self.start_interval, img.start_interval);
        fill(&mut self.retries, img.retries);
        self
    }

    /// The probe to run, or None when there is none (no test, `NONE`, an unknown type).
    pub fn probe(&self) -> Option<Probe> {
        match self.test.first().map(String::as_str) {
            Some("CMD") if self.test.len() > 1 => Some(Probe::Exec(self.test[1..].to_vec())),
            Some("CMD-SHELL") if self.test.len() > 1 => {
                Some(Probe::Shell(self.test[1..].join(" ")))
            }
            _ => None,
        }
    }

    /// The daemon's checks (moby `validateHealthCheck`), with its messages.
    pub fn validate(&self) -> Result<(), String> {
        let min = |name: &str, v: i64| {
            if v != 0 && v < MIN_DURATION_NS {
                Err(format!("{name} in Healthcheck cannot be less than 1ms"))
            } else {
                Ok(())
            }
        };
        min("Interval", self.interval)?;
        min("Timeout", self.timeout)?;
        if self.retries < 0 {
            return Err("Retries in Healthcheck cannot be negative".into());
        }
        min("StartPeriod", self.start_period)?;
        min("StartInterval", self.start_interval)
    }

    pub fn interval_ns(&self) -> i64 {
        or_default(self.interval, DEFAULT_INTERVAL_NS)
    }

    pub fn timeout_ns(&self) -> i64 {
        or_default(self.timeout, DEFAULT_TIMEOUT_NS)
    }

    pub fn start_interval_ns(&self) -> i64 {
        or_default(self.start_interval, DEFAULT_START_INTERVAL_NS)
    }

    pub fn retries(&self) -> i64 {
        if self.retries <= 0 {
            DEFAULT_RETRIES
        } else {
            self.retries
        }
    }
}

fn or_default(v: i64, d: i64) -> i64 {
    if v == 0 {
        d
    } else {
        v
    }
}

/// podman's `--health-on-failure`: what to do when the container turns unhealthy.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OnFailure {
    #[default]
    None,
    Kill,
    Restart,
    Stop,
}

impl OnFailure {
    /// podman's values and message.
    pub fn parse(s: &str) -> Result<OnFailure, String> {
        match s {
            "" | "none" => Ok(OnFailure::None),
            "kill" => Ok(OnFailure::Kill),
            "restart" => Ok(OnFailure::Restart),
            "stop" => Ok(OnFailure::Stop),
            _ => Err(format!(
                "invalid on-failure action {s:?} for health check: supported actions are none,kill,restart,stop"
            )),
        }
    }

    pub fn is_none(&self) -> bool {
        *self == OnFailure::None
    }
}

/// docker's health statuses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum HealthStatus {
    Starting,
    Healthy,
    Unhealthy,
}

impl HealthStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            HealthStatus::Starting => "starting",
            HealthStatus::Healthy => "healthy",
            HealthStatus::Unhealthy => "unhealthy",
        }
    }
}

/// One probe in `State.Health.Log`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ProbeResult {
    /// RFC 3339 with nanoseconds.
    pub start: String,
    pub end: String,
    /// The command's exit code; -1 when it timed out or could not run.
    pub exit_code: i32,
    /// Its stdout and stderr, cut to [`MAX_OUTPUT`] bytes.
    pub output: String,
}

/// docker's `State.Health`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Health {
    pub status: HealthStatus,
    pub failing_streak: i64,
    #[serde(default)]
    pub log: Vec<ProbeResult>,
}

impl Health {
    /// A container (re)starting: `starting`, no failures; earlier probes stay in the log.
    pub fn restart(previous: Option<Health>) -> Health {
        let log = previous.map(|h| h.log).unwrap_or_default();
        Health {
            status: HealthStatus::Starting,
            failing_streak: 0,
            log,
        }
    }

    /// Add a probe's result (moby's `handleProbeResult`). `in_start_period`: the probe started
    /// within the start period, where failures do not count while the status is `starting`.
    /// Returns the new status if it changed.
    pub fn record(
        &mut self,
        result: ProbeResult,
        cfg: &HealthConfig,
        in_start_period: bool,
    ) -> Option<HealthStatus> {
        let old = self.status;
        self.log.push(result);
        if self.log.len() > MAX_LOG {
            let extra = self.log.len() - MAX_LOG;
            self.log.drain(..extra);
        }
        let ok = self.log.last().is_some_and(|r| r.exit_code == 0);
        if ok {
            self.failing_streak = 0;
            self.status = HealthStatus::Healthy;
        } else if !(self.status == HealthStatus::Starting && in_start_period) {
            self.failing_streak += 1;
            if self.failing_streak >= cfg.retries() {
                self.status = HealthStatus::Unhealthy;
            }
        }
        (self.status != old).then_some(self.status)
    }
}

/// Output collected up to [`MAX_OUTPUT`] bytes; `...` marks what was dropped.
#[derive(Debug, Default)]
pub struct LimitedOutput {
    buf: Vec<u8>,
    truncated: bool,
}

impl LimitedOutput {
    pub fn push(&mut self, data: &[u8]) {
        let room = MAX_OUTPUT.saturating_sub(self.buf.len());
        let keep = room.min(data.len());
        self.buf.extend_from_slice(&data[..keep]);
        if keep < data.len() {
            self.truncated = true;
        }
    }

    pub fn text(&self) -> String {
        let mut s = String::from_utf8_lossy(&self.buf).into_owned();
        if self.truncated {
            s.push_str("...");
        }
        s
    }
}

/// A duration as Go prints it (`1s`, `500ms`, `1m30s`, `1.5s`), for docker's messages.
pub fn go_duration(ns: i64) -> String {
    if ns == 0 {
        return "0s".into();
    }
    let neg = ns < 0;
    let ns = ns.unsigned_abs();
    let sign = if neg { "-" } else { "" };
    let frac = |v: u64, unit: u64| -> String {
        let whole = v / unit;
        let rest = v % unit;
        if rest == 0 {
            return whole.to_string();
        }
        let digits = unit.ilog10() as usize;
        let f = format!("{rest:0digits$}");
        format!("{whole}.{}", f.trim_end_matches('0'))
    };
    if ns < 1_000 {
        return format!("{sign}{ns}ns");
    }
    if ns < 1_000_000 {
        return format!("{sign}{}µs", frac(ns, 1_000));
    }
    if ns < 1_000_000_000 {
        return format!("{sign}{}ms", frac(ns, 1_000_000));
    }
    let secs_ns = ns % 60_000_000_000;
    let mins = ns / 60_000_000_000;
    let s = format!("{}s", frac(secs_ns, 1_000_000_000));
    if mins == 0 {
        return format!("{sign}{s}");
    }
    let (h, m) = (mins / 60, mins % 60);
    if h == 0 {
        format!("{sign}{m}m{s}")
    } else {
        format!("{sign}{h}h{m}m{s}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn result(code: i32) -> ProbeResult {
        ProbeResult {
            start: String::new(),
            end: String::new(),
            exit_code: code,
            output: String::new(),
        }
    }

    #[test]
    fn statuses_follow_docker() {
        let cfg = HealthConfig {
            test: vec!["CMD-SHELL".into(), "true".into()],
            retries: 2,
            ..Default::default()
        };
        let mut h = Health::restart(None);
        // Failures in the start period do not count while starting.
        assert_eq!(h.record(result(1), &cfg, true), None);
        assert_eq!(h.failing_streak, 0);
        assert_eq!(h.record(result(1), &cfg, false), None);
        assert_eq!(h.failing_streak, 1);
        assert_eq!(
            h.record(result(1), &cfg, false),
            Some(HealthStatus::Unhealthy)
        );
        assert_eq!(
            h.record(result(0), &cfg, false),
            Some(HealthStatus::Healthy)
        );
        assert_eq!(h.failing_streak, 0);
        // Once healthy, the start period no longer protects.
        h.record(result(1), &cfg, true);
        assert_eq!(h.failing_streak, 1);
        for _ in 0..10 {
            h.record(result(0), &cfg, false);
        }
        assert_eq!(h.log.len(), MAX_LOG);
        let restarted = Health::restart(Some(h));
        assert_eq!(restarted.status, HealthStatus::Starting);
        assert_eq!(restarted.log.len(), MAX_LOG);
    }

    #[test]
    fn config_merge_and_probe() {
        let img = HealthConfig {
            test: vec!["CMD".into(), "/check".into(), "-q".into()],
            interval: 5,
            retries: 7,
            ..Default::default()
        };
        let user = HealthConfig {
            interval: 9,
            ..Default::default()
        };
        let m = user.merged_over(Some(&img));
        assert_eq!(m.interval, 9);
        assert_eq!(m.retries, 7);
        assert_eq!(
            m.probe(),
            Some(Probe::Exec(vec!["/check".into(), "-q".into()]))
        );
        assert_eq!(HealthConfig::none().probe(), None);
        assert_eq!(HealthConfig::default().probe(), None);
        let json = serde_json::to_string(&HealthConfig::none()).unwrap();
        assert_eq!(json, r#"{"Test":["NONE"]}"#);
        assert!(HealthConfig {
            interval: 10,
            ..Default::default()
        }
        .validate()
        .is_err());
    }

    #[test]
    fn output_is_limited() {
        let mut o = LimitedOutput::default();
        o.push(&[b'a'; 4000]);
        o.push(&[b'b'; 200]);
        let t = o.text();
        assert_eq!(t.len(), MAX_OUTPUT + 3);
        assert!(t.ends_with("bb..."));
    }

    #[test]
    fn go_durations() {
        assert_eq!(go_duration(1_000_000_000), "1s");
        assert_eq!(go_duration(500_000_000), "500ms");
        assert_eq!(go_duration(1_500_000_000), "1.5s");
        assert_eq!(go_duration(90_000_000_000), "1m30s");
        assert_eq!(go_duration(3_600_000_000_000), "1h0m0s");
        assert_eq!(go_duration(0), "0s");
    }
}
