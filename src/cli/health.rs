//! Health checks on the command line: the `--health-*` flags of `run` and `create` (docker's
//! parsing and messages, podman's `--health-on-failure`) and podman's `healthcheck run`.
use clap::{Args, Subcommand};

use crate::engine::EngineError;
use crate::state::health::{HealthConfig, HealthStatus, OnFailure};
use crate::state::Paths;

/// The health-check flags of `run` and `create`.
#[derive(Debug, Args, Default)]
pub struct HealthArgs {
    /// Command to run to check health
    #[arg(long, value_name = "CMD")]
    pub health_cmd: Option<String>,
    /// Time between running the check (ms|s|m|h) (default 0s)
    #[arg(long, value_name = "DURATION", allow_hyphen_values = true)]
    pub health_interval: Option<String>,
    /// Consecutive failures needed to report unhealthy
    #[arg(long, value_name = "N", allow_hyphen_values = true)]
    pub health_retries: Option<String>,
    /// Maximum time to allow one check to run (ms|s|m|h) (default 0s)
    #[arg(long, value_name = "DURATION", allow_hyphen_values = true)]
    pub health_timeout: Option<String>,
    /// Start period for the container to initialize before starting health-retries countdown
    /// (ms|s|m|h) (default 0s)
    #[arg(long, value_name = "DURATION", allow_hyphen_values = true)]
    pub health_start_period: Option<String>,
    /// Time between running the check during the start period (ms|s|m|h) (default 0s)
    #[arg(long, value_name = "DURATION", allow_hyphen_values = true)]
    pub health_start_interval: Option<String>,
    /// Disable any container-specified HEALTHCHECK
    #[arg(long)]
    pub no_healthcheck: bool,
    /// Action to take once the container turns unhealthy (none, kill, restart, stop)
    #[arg(long, value_name = "ACTION", default_value = "none")]
    pub health_on_failure: String,
}

impl HealthArgs {
    /// docker's reading of the flags: None when none was given (the image's check stands).
    pub fn config(&self) -> Result<Option<HealthConfig>, EngineError> {
        let dur = |flag: &str, v: &Option<String>| -> Result<i64, EngineError> {
            v.as_deref().map_or(Ok(0), |v| {
                go_duration_ns(v).ok_or_else(|| {
                    EngineError::Usage(format!(
                        "invalid argument \"{v}\" for \"--{flag}\" flag: time: invalid duration \"{v}\""
                    ))
                })
            })
        };
        let interval = dur("health-interval", &self.health_interval)?;
        let timeout = dur("health-timeout", &self.health_timeout)?;
        let start_period = dur("health-start-period", &self.health_start_period)?;
        let start_interval = dur("health-start-interval", &self.health_start_interval)?;
        let retries = match self.health_retries.as_deref() {
            None => 0,
            Some(v) => v.parse::<i64>().map_err(|_| {
                EngineError::Usage(format!(
                    "invalid argument \"{v}\" for \"--health-retries\" flag: strconv.ParseInt: parsing \"{v}\": invalid syntax"
                ))
            })?,
        };
        let cmd = self.health_cmd.clone().unwrap_or_default();
        let any = !cmd.is_empty()
            || interval != 0
            || timeout != 0
            || start_period != 0
            || retries != 0
            || start_interval != 0;
        if self.no_healthcheck {
            if any {
                return Err(EngineError::Usage(
                    "--no-healthcheck conflicts with --health-* options".into(),
                ));
            }
            return Ok(Some(HealthConfig::none()));
        }
        if !any {
            return Ok(None);
        }
        for (flag, v) in [
            ("interval", interval),
            ("timeout", timeout),
            ("retries", retries),
            ("start-period", start_period),
            ("start-interval", start_interval),
        ] {
            if v < 0 {
                return Err(EngineError::Usage(format!(
                    "--health-{flag} cannot be negative"
                )));
            }
        }
        let test = if cmd.is_empty() {
            Vec::new()
        } else {
            vec!["CMD-SHELL".to_string(), cmd]
        };
        let cfg = HealthConfig {
            test,
            interval,
            timeout,
            start_period,
            start_interval,
            retries,
        };
        cfg.validate().map_err(EngineError::Usage)?;
        Ok(Some(cfg))
    }

    pub fn on_failure(&self) -> Result<OnFailure, EngineError> {
        OnFailure::parse(&self.health_on_failure).map_err(EngineError::Usage)
    }
}

/// A Go duration (`1s`, `1m30s`, `-2s`, `0`) in nanoseconds, as the docker CLI's flags take it.
fn go_duration_ns(v: &str) -> Option<i64> {
    let (neg, body) = match v.strip_prefix('-') {
        Some(b) => (true, b),
        None => (false, v.strip_prefix('+').unwrap_or(v)),
    };
    let ns = if body == "0" {
        0
    } else {
        let d = crate::units::parse_go_duration(body)?;
        i64::try_from(d.as_nanos()).ok()?
    };
    Some(if neg { -ns } else { ns })
}

#[derive(Debug, Subcommand)]
pub enum HealthcheckCommand {
    /// Run the health check of a container
    Run(HealthcheckRunArgs),
}

#[derive(Debug, Args)]
pub struct HealthcheckRunArgs {
    /// The container
    pub container: String,
}

/// podman's `healthcheck run`: exit 0 when healthy; else print the status and exit 1.
pub fn dispatch(cmd: HealthcheckCommand) -> Result<i32, EngineError> {
    match cmd {
        HealthcheckCommand::Run(a) => {
            let paths = Paths::from_env();
            match crate::engine::health::run_now(&paths, &a.container)? {
                HealthStatus::Healthy => Ok(0),
                other => {
                    println!("{}", other.as_str());
                    Ok(1)
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(go_duration_ns("1s"), Some(1_000_000_000));
        assert_eq!(go_duration_ns("4.5s"), Some(4_500_000_000));
        assert_eq!(go_duration_ns("-1s"), Some(-1_000_000_000));
        assert_eq!(go_duration_ns("0"), Some(0));
        assert_eq!(go_duration_ns("10"), None);
        assert_eq!(go_duration_ns("abc"), None);
    }

    #[test]
    fn flags() {
        let a = HealthArgs {
            health_cmd: Some("true".into()),
            health_interval: Some("2s".into()),
            ..Default::default()
        };
        let c = a.config().unwrap().unwrap();
        assert_eq!(c.test, vec!["CMD-SHELL", "true"]);
        assert_eq!(c.interval, 2_000_000_000);
        let a = HealthArgs {
            health_cmd: Some("true".into()),
            no_healthcheck: true,
            ..Default::default()
        };
        assert!(a.config().is_err());
        let a = HealthArgs {
            health_retries: Some("-1".into()),
            ..Default::default()
        };
        assert_eq!(
            a.config().unwrap_err().to_string(),
            "--health-retries cannot be negative"
        );
        assert_eq!(HealthArgs::default().config().unwrap(), None);
    }
}
