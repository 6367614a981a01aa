//! `run`/`create` flags that set one field of the runtime spec each: `--domainname`,
//! `--shm-size`, `--sysctl`, `--annotation` (docker's syntaxes: `engine::create::parse_extras`).
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
    /// PID namespace to use (host)
    #[arg(long, value_name = "MODE")]
    pub pid: Option<String>,
    /// IPC mode to use (private, shareable, none, host)
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
        })
    }
}
