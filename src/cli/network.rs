//! Network flags of `run`, `skiff port`, `skiff network ...`: arguments and rendering.
use std::collections::BTreeMap;

use clap::{Args, Subcommand};

use super::render;

use crate::engine::create::{parse, NetworkRequest};
use crate::engine::network as net;
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
    /// Add a network-scoped alias for the container (user-defined networks)
    #[arg(
        long = "network-alias",
        visible_alias = "net-alias",
        value_name = "ALIAS"
    )]
    pub network_alias: Vec<String>,
    /// IPv4 address (e.g., 172.30.100.104) on a user-defined network
    #[arg(long, value_name = "IP")]
    pub ip: Option<String>,
    /// IPv6 address (skiff's user networks have no IPv6)
    #[arg(long, value_name = "IP")]
    pub ip6: Option<String>,
    /// Container MAC address (e.g., 92:d0:c6:0a:29:33) on a user-defined network
    #[arg(long, value_name = "MAC")]
    pub mac_address: Option<String>,
}

impl NetArgs {
    /// The request's network side, with `--network`'s mode.
    /// `networks`: the `--network` values; after the first, only user networks (docker's
    /// rules: the legacy per-network flags such as `--network-alias` go to the first).
    pub fn into_request(self, networks: &[String]) -> Result<NetworkRequest, EngineError> {
        let mut expose = Vec::new();
        for e in &self.expose {
            expose.extend(parse::expose(e)?);
        }
        let modes = networks
            .iter()
            .map(|n| parse::network_mode(n))
            .collect::<Result<Vec<_>, _>>()?;
        let user = |m: &crate::network::Mode| m.is_user_defined();
        let users = modes.iter().filter(|m| user(m)).count();
        let mut extra_networks: Vec<String> = Vec::new();
        let mode = if users == 0 {
            // Only one mode can hold: the last one given wins, as for any single-valued flag.
            modes
                .last()
                .cloned()
                .unwrap_or_else(crate::network::Mode::default_network)
        } else if users < modes.len() {
            return Err(EngineError::Usage(
                "conflicting options: cannot attach both user-defined and non-user-defined network-modes"
                    .into(),
            ));
        } else {
            for (i, n) in networks.iter().enumerate().skip(1) {
                if networks[..i].contains(n) {
                    return Err(EngineError::Usage(format!(
                        "network {n:?} is specified multiple times"
                    )));
                }
                extra_networks.push(n.clone());
            }
            modes[0].clone()
        };
        if self.ip6.is_some() {
            return Err(EngineError::Unsupported(
                "--ip6: skiff's networks have no IPv6 (network create --ipv6 is not supported)"
                    .into(),
            ));
        }
        let ip = self
            .ip
            .as_deref()
            .map(|v| {
                v.parse::<std::net::Ipv4Addr>()
                    .map_err(|_| EngineError::Usage(format!("invalid IPv4 address: {v}")))
            })
            .transpose()?;
        let mac = self.mac_address.as_deref().map(parse_mac).transpose()?;
        Ok(NetworkRequest {
            mode,
            extra_networks,
            ip,
            mac,
            publish: self
                .publish
                .iter()
                .map(|p| parse::publish(p))
                .collect::<Result<_, _>>()?,
            publish_all: self.publish_all,
            expose,
            add_hosts: self.add_host,
            dns: self.dns,
            dns_search: self.dns_search,
            dns_options: self.dns_option,
            aliases: self.network_alias,
        })
    }
}

/// A MAC address (`02:42:ac:11:00:02`, `-` separators too), lower-cased; Go's `net.ParseMAC`
/// message otherwise.
fn parse_mac(v: &str) -> Result<String, EngineError> {
    let t = v.trim();
    let parts: Vec<&str> = t.split([':', '-']).collect();
    let ok = parts.len() == 6
        && parts
            .iter()
            .all(|p| p.len() == 2 && p.chars().all(|c| c.is_ascii_hexdigit()));
    if !ok {
        return Err(EngineError::Usage(format!(
            "invalid argument \"{v}\" for \"--mac-address\" flag: address {t}: invalid MAC address"
        )));
    }
    Ok(parts.join(":").to_ascii_lowercase())
}

#[derive(Debug, Subcommand)]
pub enum NetworkCommand {
    /// Create a network
    Create(CreateArgs),
    /// List networks
    #[command(alias = "list")]
    Ls(LsArgs),
    /// Display detailed information on one or more networks
    Inspect(InspectArgs),
    /// Remove one or more networks
    #[command(alias = "remove")]
    Rm(RmArgs),
    /// Remove all unused networks
    Prune(PruneArgs),
    /// Connect a container to a network
    Connect(ConnectArgs),
    /// Disconnect a container from a network
    Disconnect(DisconnectArgs),
    /// Check if a network exists (podman): exit status 0 if it does, 1 if not
    Exists(super::container::ExistsArgs),
}

#[derive(Debug, Args)]
pub struct CreateArgs {
    /// Driver to manage the network (only "bridge")
    #[arg(short, long, default_value = "bridge")]
    pub driver: String,
    /// Subnet in CIDR format (default: the first free 10.89.N.0/24)
    #[arg(long, value_name = "CIDR")]
    pub subnet: Option<String>,
    /// IPv4 gateway for the subnet (default: its first address)
    #[arg(long, value_name = "IP")]
    pub gateway: Option<String>,
    /// Restrict external access to the network
    #[arg(long)]
    pub internal: bool,
    /// Set metadata on a network
    #[arg(long, value_name = "KEY[=VALUE]")]
    pub label: Vec<String>,
    /// Succeed when a network of that name exists already (podman; Quadlet units use it)
    #[arg(long)]
    pub ignore: bool,
    /// Allocate container ip from a sub-range (CIDR inside --subnet)
    #[arg(long, value_name = "CIDR")]
    pub ip_range: Option<String>,
    /// Auxiliary IPv4 addresses used by the network driver, never given to containers
    #[arg(long, value_name = "NAME=IP")]
    pub aux_address: Vec<String>,
    /// Set driver specific options (com.docker.network.driver.mtu is applied)
    #[arg(short = 'o', long = "opt", value_name = "KEY=VALUE")]
    pub opt: Vec<String>,
    /// Enable IPv6 networking (skiff's networks are IPv4 only: refused)
    #[arg(long, num_args = 0..=1, default_missing_value = "true", value_name = "BOOL")]
    pub ipv6: Option<bool>,
    pub name: String,
}

#[derive(Debug, Args)]
pub struct LsArgs {
    /// Only display network IDs
    #[arg(short, long)]
    pub quiet: bool,
    /// Provide filter values (name=, id=, driver=, label=, scope=, type=)
    #[arg(short, long)]
    pub filter: Vec<String>,
    /// Format output using a custom template ({{.ID}}, {{.Name}}, {{.Driver}}, {{json .}}...)
    #[arg(long)]
    pub format: Option<String>,
    /// Do not truncate the output
    #[arg(long)]
    pub no_trunc: bool,
    /// Do not print the column headings (podman)
    #[arg(long)]
    pub noheading: bool,
}

#[derive(Debug, Args)]
pub struct InspectArgs {
    /// Format output using a custom template
    #[arg(short, long)]
    pub format: Option<String>,
    #[arg(required = true)]
    pub networks: Vec<String>,
}

#[derive(Debug, Args)]
pub struct RmArgs {
    /// Do not error if a network does not exist
    #[arg(short, long)]
    pub force: bool,
    #[arg(required = true)]
    pub networks: Vec<String>,
}

#[derive(Debug, Args)]
pub struct PruneArgs {
    /// Provide filter values (label=...)
    #[arg(long)]
    pub filter: Vec<String>,
    /// Do not prompt for confirmation
    #[arg(short, long)]
    pub force: bool,
}

#[derive(Debug, Args)]
pub struct ConnectArgs {
    /// Add a network-scoped alias for the container
    #[arg(long, value_name = "ALIAS")]
    pub alias: Vec<String>,
    /// IPv4 address (e.g., 172.30.100.104)
    #[arg(long, value_name = "IP")]
    pub ip: Option<std::net::Ipv4Addr>,
    pub network: String,
    pub container: String,
}

#[derive(Debug, Args)]
pub struct DisconnectArgs {
    /// Accepted for compatibility
    #[arg(short, long)]
    pub force: bool,
    pub network: String,
    pub container: String,
}

pub fn dispatch(cmd: NetworkCommand) -> Result<i32, EngineError> {
    let paths = Paths::from_env();
    match cmd {
        NetworkCommand::Create(a) => {
            let mut labels = BTreeMap::new();
            for l in &a.label {
                let (k, v) = l.split_once('=').unwrap_or((l, ""));
                if k.is_empty() {
                    return Err(EngineError::Usage(format!("invalid label {l:?}")));
                }
                labels.insert(k.to_string(), v.to_string());
            }
            let created = net::create_network(
                &paths,
                &net::CreateRequest {
                    name: a.name.clone(),
                    driver: Some(a.driver),
                    subnet: a.subnet,
                    gateway: a.gateway,
                    internal: a.internal,
                    labels,
                    ip_range: a.ip_range,
                    aux_addresses: a.aux_address,
                    options: a
                        .opt
                        .iter()
                        .map(|o| {
                            let (k, v) = o.split_once('=').unwrap_or((o, ""));
                            (k.to_string(), v.to_string())
                        })
                        .collect(),
                    ipv6: a.ipv6.unwrap_or(false),
                },
            );
            match created {
                Ok(n) => println!("{}", n.id),
                Err(e) if a.ignore && e.is_conflict() => {
                    println!("{}", a.name)
                }
                Err(e) => return Err(e),
            }
            Ok(0)
        }
        NetworkCommand::Ls(a) => ls(&paths, a),
        NetworkCommand::Inspect(a) => {
            render::check_inspect_format(a.format.as_deref())?;
            let mut values = Vec::new();
            let mut code = 0;
            for n in &a.networks {
                match net::inspect_network(&paths, n) {
                    Ok(v) => values.push(v),
                    Err(e) => {
                        eprintln!("Error: {}", render::error_chain(&e));
                        code = 1;
                    }
                }
            }
            render::print_inspect(&values, a.format.as_deref())?;
            Ok(code)
        }
        NetworkCommand::Rm(a) => {
            let mut code = 0;
            for n in &a.networks {
                match net::remove_network(&paths, n) {
                    Ok(_) => println!("{n}"),
                    Err(e) if a.force && e.is_not_found() => {}
                    Err(e) => {
                        eprintln!("Error: {}", render::error_chain(&e));
                        code = 1;
                    }
                }
            }
            Ok(code)
        }
        NetworkCommand::Prune(a) => {
            if !a.force
                && !super::render::confirm(
                    "WARNING! This will remove all custom networks not used by at least one container.",
                )
            {
                return Ok(0);
            }
            let removed = net::prune_networks(&paths, &a.filter)?;
            if !removed.is_empty() {
                println!("Deleted Networks:");
                for n in removed {
                    println!("{n}");
                }
            }
            Ok(0)
        }
        NetworkCommand::Connect(a) => {
            net::connect_with_ip(&paths, &a.network, &a.container, &a.alias, a.ip)?;
            Ok(0)
        }
        NetworkCommand::Disconnect(a) => {
            net::disconnect(&paths, &a.network, &a.container)?;
            Ok(0)
        }
        NetworkCommand::Exists(a) => match net::inspect_network(&paths, &a.name) {
            Ok(_) => Ok(0),
            Err(e) if e.is_not_found() => Ok(1),
            Err(e) => Err(e),
        },
    }
}

fn ls(paths: &Paths, a: LsArgs) -> Result<i32, EngineError> {
    let list = net::list_networks(paths, &a.filter)?;
    let id = |i: &str| -> String {
        if a.no_trunc {
            i.to_string()
        } else {
            i.chars().take(12).collect()
        }
    };
    if a.quiet {
        for n in &list {
            println!("{}", id(&n.id));
        }
        return Ok(0);
    }
    let rows: Vec<serde_json::Value> = list
        .iter()
        .map(|n| {
            let labels = n
                .labels
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join(",");
            serde_json::json!({
                "ID": id(&n.id),
                "Name": n.name,
                "Driver": n.driver,
                "Scope": "local",
                "IPv6": "false",
                "Internal": n.internal.to_string(),
                "Labels": labels,
                "CreatedAt": n.created,
            })
        })
        .collect();
    let mut f = render::ListFormat::parse(
        a.format.as_deref(),
        "table {{.ID}}\t{{.Name}}\t{{.Driver}}\t{{.Scope}}",
    )?;
    if a.noheading {
        f = f.without_header();
    }
    f.print(
        &rows,
        &[
            ("ID", "NETWORK ID"),
            ("Name", "NAME"),
            ("Driver", "DRIVER"),
            ("Scope", "SCOPE"),
            ("IPv6", "IPV6"),
            ("Internal", "INTERNAL"),
            ("Labels", "LABELS"),
            ("CreatedAt", "CREATED AT"),
        ],
    )?;
    Ok(0)
}
