//! The network backends: one per `--network` mode (none, host, slirp4netns, pasta, user-defined
//! networks, `container:`), behind one trait, as netavark's `NetworkDriver`. The monitor makes
//! one for its container ([`for_container`]) and drives it:
//!
//! 1. `validate`, before the container's namespaces exist: check what the mode needs (the
//!    target container runs; the networks exist) and point the runtime spec at the namespaces
//!    the container joins instead of making its own (`container:`, user networks).
//! 2. `setup`, once the namespaces exist and before the container's process may run (the
//!    runtime's `before_go`): start what connects them (slirp4netns, pasta, the port
//!    forwarder, the endpoints on user networks), without waiting for a helper to be ready.
//! 3. `ready`, after the container's process was let go and while it mounts its root
//!    filesystem (the runtime's `after_go`): wait until the helpers are ready. The container's
//!    command is exec'd only after this returns, so it never runs without its network, but
//!    the helper's start-up and the mounts overlap.
//! 4. `teardown`, once the container has exited: stop what `setup` started.
use std::path::PathBuf;

use oci_spec::runtime::{LinuxNamespaceType, Spec};

use super::pasta::Pasta;
use super::portfwd::Forwarder;
use super::ports::PortMapping;
use super::slirp::{self, Slirp};
use super::{Attachment, Mode, NetworkError};
use crate::state::Paths;

/// One container's network, from its namespaces' creation to its exit.
pub trait Backend {
    /// Before the namespaces exist: check the mode's needs and set the namespaces to join in
    /// `spec`.
    fn validate(&mut self, spec: &mut Spec) -> Result<(), NetworkError>;
    /// The namespaces of the container's first process `pid` exist; it has not run yet. Start
    /// connecting them (called from a single-threaded process).
    fn setup(&mut self, pid: i32) -> Result<(), NetworkError>;
    /// Wait until what `setup` started is ready.
    fn ready(&mut self) -> Result<(), NetworkError> {
        Ok(())
    }
    /// The container has exited: stop what `setup` started.
    fn teardown(&mut self) {}
}

/// A running container whose namespaces another one joins (`container:NAME`).
#[derive(Debug, Clone, Copy)]
struct Target {
    pid: i32,
    /// Whether it runs (its process is the one recorded, by start time).
    running: bool,
}

/// What a backend needs to know about its container.
pub struct Container<'a> {
    pub paths: &'a Paths,
    pub id: &'a str,
    pub name: &'a str,
    pub ports: &'a [PortMapping],
    /// Its user-defined networks.
    pub networks: &'a [Attachment],
}

/// `--network container:ID`: that container's process, and whether it still runs.
fn container_target(paths: &Paths, target: &str) -> Target {
    match crate::state::container::Containers::new(paths).state(target) {
        Ok(st) => Target {
            pid: st.pid,
            running: st.status.is_up()
                && crate::sys::proc::start_time(st.pid) == Some(st.pid_start),
        },
        Err(_) => Target {
            pid: 0,
            running: false,
        },
    }
}

/// The backend for `mode`.
pub fn for_container(mode: &Mode, c: Container<'_>) -> Box<dyn Backend> {
    let base = |ext: &str| {
        c.paths
            .runtime
            .join("net")
            .join(format!("{}.{ext}", c.id.get(..12).unwrap_or(c.id)))
    };
    match mode {
        Mode::None | Mode::Host => Box::new(Nothing),
        Mode::Slirp4netns(opts) => Box::new(Slirp4netns {
            opts: opts.clone(),
            api: base("sock"),
            ports: c.ports.to_vec(),
            slirp: None,
            forwarder: None,
        }),
        Mode::Pasta(args) => Box::new(PastaBackend {
            args: args.clone(),
            ports: c.ports.to_vec(),
            base: base("pasta"),
            pasta: None,
        }),
        Mode::Container(name) => Box::new(JoinContainer {
            name: name.clone(),
            target: Some(container_target(c.paths, name)),
        }),
        Mode::User(_) => Box::new(UserNetworks {
            paths: c.paths.clone(),
            id: c.id.to_string(),
            name: c.name.to_string(),
            networks: c.networks.to_vec(),
            ports: c.ports.to_vec(),
            forwarder: None,
        }),
    }
}

/// Whether a container on network `mode` may be made in the pause process (`runtime::pause`)'s namespace. Not
/// with pasta: started by a monitor that is root in that namespace, pasta switches to `nobody`
/// and may no longer open the container's namespaces. User networks and `container:` join the
/// namespace of their holder or target instead.
pub fn fits_pause_process(mode: &Mode) -> bool {
    matches!(mode, Mode::None | Mode::Host | Mode::Slirp4netns(_))
}

/// `none` (a namespace with only `lo`, which the runtime brings up) and `host` (no namespace).
struct Nothing;

impl Backend for Nothing {
    fn validate(&mut self, _spec: &mut Spec) -> Result<(), NetworkError> {
        Ok(())
    }
    fn setup(&mut self, _pid: i32) -> Result<(), NetworkError> {
        Ok(())
    }
}

/// slirp4netns for the container's namespace, and skiff's forwarder for its published ports.
struct Slirp4netns {
    opts: slirp::Options,
    api: PathBuf,
    ports: Vec<PortMapping>,
    slirp: Option<Slirp>,
    forwarder: Option<Forwarder>,
}

impl Backend for Slirp4netns {
    fn validate(&mut self, _spec: &mut Spec) -> Result<(), NetworkError> {
        Ok(())
    }

    fn setup(&mut self, pid: i32) -> Result<(), NetworkError> {
        // Every published port, TCP and UDP, goes through skiff's own forwarder, not
        // slirp4netns's (whose UDP replies never reach a client on the host's loopback).
        self.slirp = Some(slirp::spawn(pid, &self.opts, &self.api, &[])?);
        self.forwarder = super::portfwd::start(pid, &self.ports, self.opts.ip())
            .map_err(NetworkError::Config)?;
        Ok(())
    }

    fn ready(&mut self) -> Result<(), NetworkError> {
        match &mut self.slirp {
            Some(s) => s.wait_ready(),
            None => Ok(()),
        }
    }

    fn teardown(&mut self) {
        drop(self.forwarder.take());
        drop(self.slirp.take());
    }
}

/// pasta for the container's namespace; published ports are pasta's own.
struct PastaBackend {
    args: Vec<String>,
    ports: Vec<PortMapping>,
    base: PathBuf,
    pasta: Option<Pasta>,
}

impl Backend for PastaBackend {
    fn validate(&mut self, _spec: &mut Spec) -> Result<(), NetworkError> {
        Ok(())
    }

    fn setup(&mut self, pid: i32) -> Result<(), NetworkError> {
        self.pasta = Some(super::pasta::spawn(
            pid,
            &self.args,
            &self.ports,
            &self.base,
        )?);
        Ok(())
    }

    fn ready(&mut self) -> Result<(), NetworkError> {
        match &mut self.pasta {
            Some(p) => Ok(p.wait_ready()?),
            None => Ok(()),
        }
    }

    fn teardown(&mut self) {
        drop(self.pasta.take());
    }
}

/// Set the path of the `typ` namespace in `spec` (it is joined, not made).
fn join_namespace(spec: &mut Spec, typ: LinuxNamespaceType, path: String) -> bool {
    let Some(namespaces) = spec
        .linux_mut()
        .as_mut()
        .and_then(|l| l.namespaces_mut().as_mut())
    else {
        return false;
    };
    for ns in namespaces.iter_mut().filter(|ns| ns.typ() == typ) {
        ns.set_path(Some(PathBuf::from(&path)));
    }
    true
}

/// `container:NAME`: the network namespace of that running container, and its user namespace,
/// which owns it (rootless containers each have their own).
struct JoinContainer {
    name: String,
    target: Option<Target>,
}

impl Backend for JoinContainer {
    fn validate(&mut self, spec: &mut Spec) -> Result<(), NetworkError> {
        let Some(Target { pid, running: true }) = self.target else {
            return Err(NetworkError::Config(format!(
                "cannot join the network of container {}: it is not running",
                self.name
            )));
        };
        for (typ, name) in [
            (LinuxNamespaceType::Network, "net"),
            (LinuxNamespaceType::User, "user"),
        ] {
            if !join_namespace(spec, typ, format!("/proc/{pid}/ns/{name}")) {
                return Err(NetworkError::Config(
                    "runtime spec has no namespaces".into(),
                ));
            }
        }
        Ok(())
    }

    fn setup(&mut self, _pid: i32) -> Result<(), NetworkError> {
        Ok(())
    }
}

/// User-defined networks: endpoints in the shared namespace holder (`user`), the container in
/// the holder's user namespace (which then owns the container's network namespace, so the
/// holder can move interfaces into it). Unless every network is internal, the container's
/// default route leads to the holder's namespace, which masquerades it out through its one
/// slirp4netns (`nat`), and skiff's forwarder publishes ports to the container's address.
struct UserNetworks {
    paths: Paths,
    id: String,
    name: String,
    networks: Vec<Attachment>,
    ports: Vec<PortMapping>,
    forwarder: Option<Forwarder>,
}

impl Backend for UserNetworks {
    fn validate(&mut self, spec: &mut Spec) -> Result<(), NetworkError> {
        let mut wants = Vec::new();
        for a in &self.networks {
            wants.push(super::user::Want {
                network: super::user::find(&self.paths, &a.id)?,
                aliases: a.aliases.clone(),
                ip: a.ip,
                mac: a.mac.clone(),
            });
        }
        let holder = super::user::join(
            &self.paths,
            &self.id,
            &self.name,
            &wants,
            std::process::id() as i32,
        )?;
        if !crate::runtime::userns::is_rootful() {
            join_namespace(
                spec,
                LinuxNamespaceType::User,
                format!("/proc/{holder}/ns/user"),
            );
        }
        Ok(())
    }

    fn setup(&mut self, pid: i32) -> Result<(), NetworkError> {
        if let Some(ip) = super::user::attach(&self.paths, &self.id, pid)? {
            self.forwarder =
                super::portfwd::start(pid, &self.ports, ip).map_err(NetworkError::Config)?;
        }
        Ok(())
    }

    fn teardown(&mut self) {
        drop(self.forwarder.take());
    }
}
