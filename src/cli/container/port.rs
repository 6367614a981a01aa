//! `port`: a container's published ports, as docker lists them.
use clap::Args;

use crate::engine::network as net;
use crate::engine::EngineError;
use crate::state::Paths;

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
