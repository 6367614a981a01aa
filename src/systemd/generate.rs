//! `generate systemd`: a systemd service unit for a container, laid out as podman's
//! `pkg/systemd/generate` writes it.
//!
//! Without `--new` the unit starts and stops the existing container (`Type=forking`, the
//! monitor's PID file). With `--new` it creates a fresh container at every start from the
//! command line the container was created with (`skiff run --cidfile=%t/%n.ctr-id --rm
//! --sdnotify=conmon --replace -d ...`), removes it at stop, and is `Type=notify`: the monitor
//! tells systemd it is the main process and that the service is ready.
use super::unit::{escape_arg, escape_env, format_command};

/// systemd's `Restart=` values (the only ones `--restart-policy` takes, as podman).
const RESTART_POLICIES: &[&str] = &[
    "no",
    "on-success",
    "on-failure",
    "on-abnormal",
    "on-watchdog",
    "on-abort",
    "always",
];

/// Seconds systemd waits beyond the container's own stop timeout (podman's 60).
const MIN_TIMEOUT_STOP_SEC: u64 = 60;

/// `generate systemd` flags.
#[derive(Debug, Clone)]
pub struct Options {
    /// `--new`: create the container at start, remove it at stop.
    pub new: bool,
    /// `--name`: the unit names the container by name rather than by ID.
    pub use_name: bool,
    /// `--restart-policy` (systemd's `Restart=`); None: on-failure, or the container's own.
    pub restart_policy: Option<String>,
    /// `--restart-sec`.
    pub restart_sec: Option<u32>,
    /// `--time`: the stop timeout; None keeps the container's (default 10).
    pub stop_timeout: Option<u32>,
    /// `--container-prefix` (default `container`).
    pub container_prefix: String,
    /// `--separator` (default `-`).
    pub separator: String,
    /// `--no-header`: no comment lines at the top.
    pub no_header: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            new: false,
            use_name: false,
            restart_policy: None,
            restart_sec: None,
            stop_timeout: None,
            container_prefix: "container".into(),
            separator: "-".into(),
            no_header: false,
        }
    }
}

/// What the unit is generated from.
#[derive(Debug, Clone)]
pub struct Container<'a> {
    pub id: &'a str,
    pub name: &'a str,
    /// `--stop-timeout` of the container.
    pub stop_timeout: Option<i64>,
    /// The command line that created it (`skiff run ...`), when it was made by the CLI.
    pub create_command: &'a [String],
    /// Its environment, for `-e KEY` flags that took their value from the caller's.
    pub env: &'a [String],
}

/// Where and how skiff runs.
#[derive(Debug, Clone)]
pub struct Host {
    /// The skiff binary, as ExecStart names it.
    pub executable: String,
    pub version: String,
    /// The runtime root, for `RequiresMountsFor=`.
    pub run_root: String,
    /// The runtime root as a `--new` unit names it (`%t/skiff` unless it was chosen).
    pub new_run_root: String,
    /// The monitor's PID file (`Type=forking` units).
    pub monitor_pidfile: String,
    /// `KEY=VALUE`s every command of the unit needs (`SKIFF_ROOT` when set).
    pub environment: Vec<String>,
    /// The time stamp line, when a header is written.
    pub timestamp: String,
}

/// How the CLI names a `run`/`create` flag.
#[derive(Debug, Clone, Copy)]
pub enum FlagKey<'a> {
    Long(&'a str),
    Short(char),
}

/// A `run`/`create` flag as the CLI defines it.
#[derive(Debug, Clone)]
pub struct FlagInfo {
    /// Its long name, without dashes.
    pub long: String,
    pub takes_value: bool,
}

/// One flag of the create command.
#[derive(Debug, Clone)]
struct Flag {
    long: String,
    value: Option<String>,
    /// The words that gave it, rewritten to `--flag`/`-f` and a separate value when clustered.
    words: Vec<String>,
}

/// The create command taken apart: global words before `run`, the flags, and the image with
/// the command.
#[derive(Debug)]
struct CreateCommand {
    global: Vec<String>,
    flags: Vec<Flag>,
    rest: Vec<String>,
}

fn parse_create_command(
    cmd: &[String],
    lookup: &dyn Fn(FlagKey<'_>) -> Option<FlagInfo>,
) -> Result<CreateCommand, String> {
    let idx = cmd
        .iter()
        .position(|a| a == "run" || a == "create")
        .filter(|i| *i > 0)
        .ok_or_else(|| format!("container's create command is too short or invalid: {cmd:?}"))?;
    let global = cmd[1..idx].to_vec();
    let toks = &cmd[idx + 1..];
    let unknown = |t: &str| format!("cannot take apart the create command: unknown flag {t}");
    let missing = |t: &str| format!("cannot take apart the create command: {t} needs a value");
    let mut flags = Vec::new();
    let mut i = 0;
    while i < toks.len() {
        let t = toks[i].as_str();
        if t == "--" {
            i += 1;
            break;
        }
        if let Some(body) = t.strip_prefix("--") {
            let (name, inline) = match body.split_once('=') {
                Some((n, v)) => (n, Some(v.to_string())),
                None => (body, None),
            };
            let info = lookup(FlagKey::Long(name)).ok_or_else(|| unknown(t))?;
            let mut words = vec![t.to_string()];
            let value = if info.takes_value && inline.is_none() {
                i += 1;
                let v = toks.get(i).ok_or_else(|| missing(t))?.clone();
                words.push(v.clone());
                Some(v)
            } else {
                inline
            };
            flags.push(Flag {
                long: info.long,
                value,
                words,
            });
        } else if t.len() > 1 && t.starts_with('-') {
            let chars: Vec<char> = t[1..].chars().collect();
            let mut k = 0;
            while k < chars.len() {
                let c = chars[k];
                let info = lookup(FlagKey::Short(c)).ok_or_else(|| unknown(t))?;
                if info.takes_value {
                    let glued: String = chars[k + 1..].iter().collect();
                    let glued = glued.strip_prefix('=').unwrap_or(&glued).to_string();
                    let v = if glued.is_empty() {
                        i += 1;
                        toks.get(i).ok_or_else(|| missing(t))?.clone()
                    } else {
                        glued
                    };
                    flags.push(Flag {
                        long: info.long,
                        value: Some(v.clone()),
                        words: vec![format!("-{c}"), v],
                    });
                    break;
                }
                flags.push(Flag {
                    long: info.long,
                    value: None,
                    words: vec![format!("-{c}")],
                });
                k += 1;
            }
        } else {
            break;
        }
        i += 1;
    }
    Ok(CreateCommand {
        global,
        flags,
        rest: toks[i.min(toks.len())..].to_vec(),
    })
}

/// The service's name: `PREFIX SEPARATOR NAME-OR-ID` (no prefix: just the name).
pub fn service_name(prefix: &str, separator: &str, name_or_id: &str) -> String {
    if prefix.is_empty() {
        name_or_id.to_string()
    } else {
        format!("{prefix}{separator}{name_or_id}")
    }
}

/// The unit for `ctr`: its service name (without `.service`) and its text.
pub fn container_unit(
    ctr: &Container<'_>,
    opts: &Options,
    host: &Host,
    lookup: &dyn Fn(FlagKey<'_>) -> Option<FlagInfo>,
) -> Result<(String, String), String> {
    if let Some(p) = &opts.restart_policy {
        if !RESTART_POLICIES.contains(&p.as_str()) {
            return Err(format!("{p} is not a valid restart policy"));
        }
    }
    let name_or_id = if opts.use_name { ctr.name } else { ctr.id };
    let service = service_name(&opts.container_prefix, &opts.separator, name_or_id);
    let stop_timeout = opts
        .stop_timeout
        .map(u64::from)
        .or(ctr.stop_timeout.map(|t| t.max(0) as u64))
        .unwrap_or(10);
    let exe = escape_arg(&host.executable, true);
    let mut restart = opts
        .restart_policy
        .clone()
        .unwrap_or_else(|| "on-failure".into());
    let mut start_limit_burst = None;
    let mut extra_env: Vec<String> = Vec::new();
    let (kind, notify_access, exec_start, exec_stop, exec_stop_post, pidfile, run_root);
    if opts.new {
        if ctr.create_command.is_empty() {
            return Err(format!(
                "cannot use --new on container {:?}: no create command found: only works on containers created directly with skiff but not via REST API",
                ctr.id
            ));
        }
        let cc = parse_create_command(ctr.create_command, lookup)?;
        let cidfile = "%t/%n.ctr-id";
        let mut start = vec![exe.clone()];
        start.extend(cc.global.iter().map(|g| escape_arg(g, true)));
        start.push("run".into());
        start.push(format!("--cidfile={cidfile}"));
        start.push("--rm".into());
        let has = |n: &str| cc.flags.iter().any(|f| f.long == n);
        let sdnotify = cc
            .flags
            .iter()
            .rev()
            .find(|f| f.long == "sdnotify")
            .and_then(|f| f.value.clone());
        // A Type=notify unit needs someone to say READY=1: `ignore` becomes conmon.
        if sdnotify.is_none() || sdnotify.as_deref() == Some("ignore") {
            start.push("--sdnotify=conmon".into());
        }
        if !has("detach") {
            start.push("-d".into());
        }
        if has("name") && !has("replace") {
            start.push("--replace".into());
        }
        let mut kept = Vec::new();
        for f in &cc.flags {
            match f.long.as_str() {
                "rm" | "cidfile" | "pidfile" => continue,
                "sdnotify" if f.value.as_deref() == Some("ignore") => continue,
                // systemd restarts the unit; `--restart` and `--rm` cannot go together.
                "restart" => {
                    if opts.restart_policy.is_none() {
                        match f.value.as_deref().unwrap_or("no") {
                            "" | "no" => {}
                            "unless-stopped" => restart = "always".into(),
                            v => match v.split_once(':') {
                                Some((p, n)) => {
                                    restart = p.to_string();
                                    start_limit_burst = Some(n.to_string());
                                }
                                None => restart = v.to_string(),
                            },
                        }
                    }
                    continue;
                }
                "env" => {
                    if let Some(k) = f.value.as_deref().filter(|v| !v.contains('=')) {
                        if let Some(kv) = ctr.env.iter().find(|e| e.split('=').next() == Some(k)) {
                            extra_env.push(escape_env(kv));
                        }
                    }
                }
                _ => {}
            }
            kept.extend(f.words.iter().map(|w| escape_arg(w, true)));
        }
        start.extend(kept);
        start.extend(cc.rest.iter().map(|w| escape_arg(w, true)));
        kind = "notify";
        notify_access = Some("all");
        exec_start = format_command(&start);
        exec_stop = format_command(&words(&[
            &exe,
            "stop",
            "--ignore",
            "-t",
            &stop_timeout.to_string(),
            &format!("--cidfile={cidfile}"),
        ]));
        exec_stop_post = format_command(&words(&[
            &exe,
            "rm",
            "-f",
            "--ignore",
            "-t",
            &stop_timeout.to_string(),
            &format!("--cidfile={cidfile}"),
        ]));
        pidfile = None;
        run_root = escape_arg(&host.new_run_root, false);
    } else {
        let target = escape_arg(name_or_id, true);
        kind = "forking";
        notify_access = None;
        exec_start = format!("{exe} start {target}");
        exec_stop = format_command(&words(&[
            &exe,
            "stop",
            "-t",
            &stop_timeout.to_string(),
            &target,
        ]));
        exec_stop_post = exec_stop.clone();
        pidfile = Some(escape_arg(&host.monitor_pidfile, true));
        run_root = escape_arg(&host.run_root, true);
    }

    let mut u = String::new();
    u.push_str(&format!("# {service}.service\n"));
    if !opts.no_header {
        u.push_str(&format!("# autogenerated by skiff {}\n", host.version));
        u.push_str(&format!("# {}\n", host.timestamp));
    }
    u.push_str(&format!(
        "\n[Unit]\nDescription=skiff {service}.service\nDocumentation=man:skiff-generate-systemd(1)\nWants=network-online.target\nAfter=network-online.target\nRequiresMountsFor={run_root}\n"
    ));
    u.push_str("\n[Service]\nEnvironment=SKIFF_SYSTEMD_UNIT=%n\n");
    for e in &host.environment {
        u.push_str(&format!("Environment={}\n", escape_env(e)));
    }
    if !extra_env.is_empty() {
        u.push_str(&format!("Environment={}\n", extra_env.join(" ")));
    }
    u.push_str(&format!("Restart={restart}\n"));
    if let Some(s) = opts.restart_sec {
        u.push_str(&format!("RestartSec={s}\n"));
    }
    if let Some(b) = start_limit_burst {
        u.push_str(&format!("StartLimitBurst={b}\n"));
    }
    u.push_str(&format!(
        "TimeoutStopSec={}\n",
        MIN_TIMEOUT_STOP_SEC + stop_timeout
    ));
    u.push_str(&format!("ExecStart={exec_start}\n"));
    u.push_str(&format!("ExecStop={exec_stop}\n"));
    u.push_str(&format!("ExecStopPost={exec_stop_post}\n"));
    if let Some(p) = pidfile {
        u.push_str(&format!("PIDFile={p}\n"));
    }
    u.push_str(&format!("Type={kind}\n"));
    if let Some(n) = notify_access {
        u.push_str(&format!("NotifyAccess={n}\n"));
    }
    u.push_str("\n[Install]\nWantedBy=default.target\n");
    Ok((service, u))
}

fn words(w: &[&str]) -> Vec<String> {
    w.iter().map(|s| s.to_string()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lookup(k: FlagKey<'_>) -> Option<FlagInfo> {
        let table: &[(&str, Option<char>, bool)] = &[
            ("detach", Some('d'), false),
            ("interactive", Some('i'), false),
            ("tty", Some('t'), false),
            ("name", None, true),
            ("env", Some('e'), true),
            ("publish", Some('p'), true),
            ("rm", None, false),
            ("restart", None, true),
            ("sdnotify", None, true),
            ("cidfile", None, true),
            ("replace", None, false),
        ];
        table
            .iter()
            .find(|(l, s, _)| match k {
                FlagKey::Long(n) => *l == n,
                FlagKey::Short(c) => *s == Some(c),
            })
            .map(|(l, _, v)| FlagInfo {
                long: l.to_string(),
                takes_value: *v,
            })
    }

    fn host() -> Host {
        Host {
            executable: "/usr/bin/skiff".into(),
            version: "0.1.0".into(),
            run_root: "/run/user/1000/skiff".into(),
            new_run_root: "%t/skiff".into(),
            monitor_pidfile: "/home/u/.local/share/skiff/containers/abc/monitor.pid".into(),
            environment: vec![],
            timestamp: "now".into(),
        }
    }

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn new_unit_as_podman_shapes_it() {
        let cc = s(&[
            "skiff",
            "run",
            "-dit",
            "--rm",
            "--restart=on-failure:3",
            "--name",
            "web",
            "-p8080:80",
            "-e",
            "GREETING=hello world",
            "busybox",
            "httpd",
            "-f",
        ]);
        let ctr = Container {
            id: "abc",
            name: "web",
            stop_timeout: None,
            create_command: &cc,
            env: &[],
        };
        let opts = Options {
            new: true,
            use_name: true,
            no_header: true,
            ..Options::default()
        };
        let (name, unit) = container_unit(&ctr, &opts, &host(), &lookup).unwrap();
        assert_eq!(name, "container-web");
        let want = "# container-web.service

[Unit]
Description=skiff container-web.service
Documentation=man:skiff-generate-systemd(1)
Wants=network-online.target
After=network-online.target
RequiresMountsFor=%t/skiff

[Service]
Environment=SKIFF_SYSTEMD_UNIT=%n
Restart=on-failure
StartLimitBurst=3
TimeoutStopSec=70
ExecStart=/usr/bin/skiff run \\
\t--cidfile=%t/%n.ctr-id \\
\t--rm \\
\t--sdnotify=conmon \\
\t--replace \\
\t-d \\
\t-i \\
\t-t \\
\t--name web \\
\t-p 8080:80 \\
\t-e \"GREETING=hello world\" busybox httpd \\
\t-f
ExecStop=/usr/bin/skiff stop \\
\t--ignore \\
\t-t 10 \\
\t--cidfile=%t/%n.ctr-id
ExecStopPost=/usr/bin/skiff rm \\
\t-f \\
\t--ignore \\
\t-t 10 \\
\t--cidfile=%t/%n.ctr-id
Type=notify
NotifyAccess=all

[Install]
WantedBy=default.target
";
        assert_eq!(unit, want);
    }

    #[test]
    fn existing_container_unit() {
        let ctr = Container {
            id: "abc",
            name: "web",
            stop_timeout: Some(3),
            create_command: &[],
            env: &[],
        };
        let opts = Options {
            container_prefix: "skiff".into(),
            separator: "_".into(),
            restart_policy: Some("always".into()),
            restart_sec: Some(5),
            ..Options::default()
        };
        let (name, unit) = container_unit(&ctr, &opts, &host(), &lookup).unwrap();
        assert_eq!(name, "skiff_abc");
        assert!(unit.contains("ExecStart=/usr/bin/skiff start abc\n"));
        assert!(unit.contains("ExecStop=/usr/bin/skiff stop \\\n\t-t 3 abc\n"));
        assert!(unit.contains("Restart=always\nRestartSec=5\nTimeoutStopSec=63\n"));
        assert!(unit.contains("Type=forking\n"));
        assert!(unit.contains("PIDFile=/home/u/.local/share/skiff/containers/abc/monitor.pid\n"));
        assert!(!unit.contains("NotifyAccess"));
    }

    #[test]
    fn bad_restart_policy_and_no_create_command() {
        let ctr = Container {
            id: "abc",
            name: "web",
            stop_timeout: None,
            create_command: &[],
            env: &[],
        };
        let mut opts = Options {
            restart_policy: Some("sometimes".into()),
            ..Options::default()
        };
        assert_eq!(
            container_unit(&ctr, &opts, &host(), &lookup).unwrap_err(),
            "sometimes is not a valid restart policy"
        );
        opts.restart_policy = None;
        opts.new = true;
        assert!(container_unit(&ctr, &opts, &host(), &lookup)
            .unwrap_err()
            .contains("no create command"));
    }
}
