//! `run`/`create` flags that set one field of the runtime spec each: `--domainname`,
//! `--shm-size`, `--sysctl`, `--annotation`, the namespace modes, and the flags skiff checks
//! and refuses for want of a host facility (`--gpus`, `--storage-opt`); `run`'s own
//! `--sig-proxy` and `--detach-keys` (docker's syntaxes: `engine::create::parse_extras`).
use clap::Args;

use crate::engine::create::parse_extras as parse;
use crate::engine::EngineError;
use crate::runtime::spec::SpecExtras;

#[derive(Debug, Args, Default)]
pub struct ExtraArgs {
    /// Container NIS domain name
    #[arg(long, value_name = "NAME")]
    pub domainname: Option<String>,
    /// Size of /dev/shm (e.g. 64m)
    #[arg(long, value_name = "BYTES")]
    pub shm_size: Option<String>,
    /// Sysctl options (namespaced ones: net.*, fs.mqueue.*, kernel.msg*, kernel.sem, kernel.shm*)
    #[arg(long, value_name = "KEY=VALUE")]
    pub sysctl: Vec<String>,
    /// Add an annotation to the container (passed through to the OCI runtime)
    #[arg(long, value_name = "KEY=VALUE")]
    pub annotation: Vec<String>,
    /// PID namespace to use (host, container:NAME)
    #[arg(long, value_name = "MODE")]
    pub pid: Option<String>,
    /// IPC mode to use (private, shareable, none, host, container:NAME)
    #[arg(long, value_name = "MODE")]
    pub ipc: Option<String>,
    /// UTS namespace to use (host)
    #[arg(long, value_name = "MODE")]
    pub uts: Option<String>,
    /// Cgroup namespace to use (host, private)
    #[arg(long, value_name = "MODE")]
    pub cgroupns: Option<String>,
    /// Attach to STDIN, STDOUT or STDERR
    #[arg(short = 'a', long = "attach", value_name = "STREAM")]
    pub attach: Vec<String>,
    /// User namespace to use (host: the user's rootless namespace; keep-id[:uid=N,gid=M]:
    /// your uid and gid mapped to themselves, or to N and M, inside, with /etc/passwd and
    /// /etc/group entries, podman's)
    #[arg(long, value_name = "MODE")]
    pub userns: Option<String>,
    /// GPU devices to add to the container ('all' to pass all GPUs; needs a GPU driver)
    #[arg(long, value_name = "GPU-REQUEST")]
    pub gpus: Vec<String>,
    /// Storage driver options for the container (skiff's drivers have none)
    #[arg(long, value_name = "KEY=VALUE")]
    pub storage_opt: Vec<String>,
    /// Proxy received signals to the process (run)
    #[arg(long, default_value_t = true, action = clap::ArgAction::Set, value_name = "BOOL")]
    pub sig_proxy: bool,
    /// Override the key sequence for detaching a container (run)
    #[arg(long, value_name = "KEYS")]
    pub detach_keys: Option<String>,
}

impl ExtraArgs {
    /// `-a`: docker's stream names, any case; refused with `-d`.
    pub fn attach(&self, detach: bool) -> Result<Vec<String>, EngineError> {
        if detach && !self.attach.is_empty() {
            return Err(EngineError::Usage("Conflicting options: -a and -d".into()));
        }
        let mut out: Vec<String> = Vec::new();
        for a in &self.attach {
            let s = a.to_ascii_lowercase();
            if !["stdin", "stdout", "stderr"].contains(&s.as_str()) {
                return Err(EngineError::Usage(format!(
                    "invalid argument \"{a}\" for \"-a, --attach\" flag: valid streams are STDIN, STDOUT and STDERR"
                )));
            }
            if !out.contains(&s) {
                out.push(s);
            }
        }
        Ok(out)
    }

    pub fn extras(&self) -> Result<SpecExtras, EngineError> {
        Ok(SpecExtras {
            domainname: self.domainname.clone().unwrap_or_default(),
            shm_size: self.shm_size.as_deref().map(parse::shm_size).transpose()?,
            sysctls: parse::sysctls(&self.sysctl)?,
            annotations: parse::annotations(&self.annotation),
            pid: parse::pid_mode(self.pid.as_deref().unwrap_or(""))?,
            ipc: parse::ipc_mode(self.ipc.as_deref().unwrap_or(""))?,
            uts: parse::uts_mode(self.uts.as_deref().unwrap_or(""))?,
            cgroupns: parse::cgroupns_mode(self.cgroupns.as_deref().unwrap_or(""))?,
            userns: parse::userns_mode(self.userns.as_deref().unwrap_or(""))?,
        })
    }

    /// The flags that are only checked here: `--detach-keys` (docker's syntax, or config.json's
    /// `detachKeys`; `run` uses them), and `--gpus` and `--storage-opt`, checked for docker's syntax and then refused
    /// (skiff has no GPU driver and no per-container storage quota).
    pub fn check(&self) -> Result<(), EngineError> {
        for g in &self.gpus {
            parse::gpus(g)?;
        }
        parse::storage_opts(&self.storage_opt)?;
        if !self.gpus.is_empty() {
            return Err(parse::gpus_unavailable());
        }
        crate::engine::attach::detach_keys(self.detach_keys.as_deref())?;
        Ok(())
    }
}
