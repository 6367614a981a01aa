//! Network flags of `run`, `skiff port`, and the PORTS column: arguments and rendering.
use clap::Args;

use crate::engine::network::{self as net, NetOptions};
use crate::engine::EngineError;
use crate::state::Paths;

/// `run`'s network flags (flattened into `run`).
#[derive(Debug, Args, Default)]
pub struct NetArgs {
    /// Publish a container's port(s) to the host ([IP:][HOST_PORT:]CONTAINER_PORT[/PROTO], ranges allowed)
    #[arg(short = 'p', long = "publish", value_name = "PORTS")]
    pub publish: Vec<String>,
    /// Publish all exposed ports to random ports
    #[arg(short = 'P', long = "publish-all")]
    pub publish_all: bool,
    /// Expose a port or a range of ports
    #[arg(long = "expose", value_name = "PORT[/PROTO]")]
    pub expose: Vec<String>,
    /// Add a custom host-to-IP mapping (host:ip; ip may be host-gateway)
    #[arg(long = "add-host", value_name = "HOST:IP")]
    pub add_host: Vec<String>,
    /// Set custom DNS servers
    #[arg(long = "dns", value_name = "IP")]
    pub dns: Vec<String>,
    /// Set custom DNS search domains
    #[arg(long = "dns-search", value_name = "DOMAIN")]
    pub dns_search: Vec<String>,
    /// Set DNS options
    #[arg(long = "dns-option", visible_alias = "dns-opt", value_name = "OPTION")]
    pub dns_option: Vec<String>,
}

impl NetArgs {
    pub fn into_options(self) -> NetOptions {
        NetOptions {
            publish: self.publish,
            publish_all: self.publish_all,
            expose: self.expose,
            add_hosts: self.add_host,
            dns: self.dns,
            dns_search: self.dns_search,
            dns_options: self.dns_option,
        }
    }
}

#[derive(Debug, Args)]
pub struct PortArgs {
    pub container: String,
    /// Only this container port (PORT[/PROTO])
    pub private_port: Option<String>,
}

/// `skiff port CONTAINER [PRIVATE_PORT[/PROTO]]`, docker's output.
pub fn port(a: PortArgs) -> Result<i32, EngineError> {
    let paths = Paths::from_env();
    let ports = net::published_ports(&paths, &a.container)?;
    if let Some(want) = &a.private_port {
        let (p, proto) = want.split_once('/').unwrap_or((want, "tcp"));
        let hits: Vec<_> = ports
            .iter()
            .filter(|m| m.container_port.to_string() == p && m.proto.as_str() == proto)
            .collect();
        if hits.is_empty() {
            return Err(EngineError::NotFound(format!(
                "No public port '{p}/{proto}' published for {}",
                a.container
            )));
        }
        for m in hits {
            println!("{}:{}", m.bind_ip(), m.host_port);
        }
        return Ok(0);
    }
    for m in &ports {
        println!(
            "{}/{} -> {}:{}",
            m.container_port,
            m.proto.as_str(),
            m.bind_ip(),
            m.host_port
        );
    }
    Ok(0)
}
