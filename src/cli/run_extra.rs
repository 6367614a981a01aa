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
}

impl ExtraArgs {
    pub fn extras(&self) -> Result<SpecExtras, EngineError> {
        Ok(SpecExtras {
            domainname: self.domainname.clone().unwrap_or_default(),
            shm_size: self.shm_size.as_deref().map(parse::shm_size).transpose()?,
            sysctls: parse::sysctls(&self.sysctl)?,
            annotations: parse::annotations(&self.annotation),
        })
    }
}
