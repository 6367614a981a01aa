//! docker's restart policies (`--restart`): parsing, display, and whether an exit restarts.

/// docker's restart policies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RestartPolicy {
    No,
    Always,
    UnlessStopped,
    /// `on-failure[:N]`; 0 means no limit.
    OnFailure(u32),
}

impl RestartPolicy {
    pub fn parse(s: &str) -> Result<RestartPolicy, String> {
        let (name, n) = match s.split_once(':') {
            Some((a, b)) => (a, Some(b)),
            None => (s, None),
        };
        match (name, n) {
            ("" | "no", None) => Ok(RestartPolicy::No),
            ("always", None) => Ok(RestartPolicy::Always),
            ("unless-stopped", None) => Ok(RestartPolicy::UnlessStopped),
            ("on-failure", None) => Ok(RestartPolicy::OnFailure(0)),
            ("on-failure", Some(n)) => n
                .parse()
                .map(RestartPolicy::OnFailure)
                .map_err(|_| format!("invalid restart policy: maximum retry count must be a number: {s}")),
            (_, Some(_)) => Err(format!("invalid restart policy: maximum retry count can only be used with 'on-failure': {s}")),
            _ => Err(format!("invalid restart policy: unknown policy '{name}'; use one of 'no', 'always', 'on-failure', or 'unless-stopped'")),
        }
    }

    pub(super) fn wants_restart(self, code: i32, count: u32) -> bool {
        match self {
            RestartPolicy::No => false,
            RestartPolicy::Always | RestartPolicy::UnlessStopped => true,
            RestartPolicy::OnFailure(max) => code != 0 && (max == 0 || count < max),
        }
    }
}

/// The policy as `--restart` writes it (what `parse` reads back).
impl std::fmt::Display for RestartPolicy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RestartPolicy::No => f.write_str("no"),
            RestartPolicy::Always => f.write_str("always"),
            RestartPolicy::UnlessStopped => f.write_str("unless-stopped"),
            RestartPolicy::OnFailure(0) => f.write_str("on-failure"),
            RestartPolicy::OnFailure(n) => write!(f, "on-failure:{n}"),
        }
    }
}
