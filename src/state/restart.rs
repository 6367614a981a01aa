//! docker's restart policies (`--restart`) as a container's record keeps them: parsed once;
//! on disk the `--restart` string (`Display`: `no`, `always`, `unless-stopped`,
//! `on-failure[:N]`), what `parse` reads back (an empty string, as old records may hold, is
//! `no`). Whether an exit restarts is `wants_restart`; the monitor acts on it.
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// docker's restart policies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RestartPolicy {
    #[default]
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

    /// Whether an exit with `code`, after `count` restarts, restarts the container.
    pub fn wants_restart(self, code: i32, count: u32) -> bool {
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

impl Serialize for RestartPolicy {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for RestartPolicy {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<RestartPolicy, D::Error> {
        let s = String::deserialize(d)?;
        RestartPolicy::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policies_keep_their_on_disk_strings() {
        for s in [
            "no",
            "always",
            "unless-stopped",
            "on-failure",
            "on-failure:3",
        ] {
            let p: RestartPolicy = serde_json::from_str(&format!("{s:?}")).unwrap();
            assert_eq!(serde_json::to_string(&p).unwrap(), format!("{s:?}"));
        }
        let old: RestartPolicy = serde_json::from_str("\"\"").unwrap();
        assert_eq!(old, RestartPolicy::No);
        assert!(serde_json::from_str::<RestartPolicy>("\"sometimes\"").is_err());
    }
}
