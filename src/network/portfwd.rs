//! skiff's own forwarder for published ports, TCP and UDP.
//!
//! The monitor binds every published host address and port in the host's network namespace,
//! then forks one helper per container (`skiff-portfwd`) while it is still single-threaded.
//! The helper keeps those listeners, joins the container's user and network namespaces and
//! from then on every socket it creates lives in the container's namespace: for each accepted
//! connection it connects to the container's address (its `tap0`, 10.0.2.100 by default) and
//! moves the bytes between the two sockets with `splice(2)` through a pipe, one thread per direction, never copying them
//! through user space (rootlesskit's builtin port driver works the same way). Threads are
//! only started in the helper, after it has joined the namespaces; the monitor stays
//! single-threaded.
//!
//! Not `127.0.0.1`: a server in the container must not see host clients as its own loopback
//! (podman's CVE-2021-20199), and a server bound to the container's loopback only stays private,
//! as with slirp4netns's forwarder.
//!
//! UDP: the helper keeps one socket inside the container per client address, connected to
//! the container's port, and sends the replies back from the host socket; a client idle for
//! a minute is forgotten. (slirp4netns's own UDP forwarding drops the replies to a client on
//! the host's loopback.)
//!
//! The helper dies with the monitor (`PR_SET_PDEATHSIG`), and the monitor kills it when the
//! container stops.
use std::io::{Read, Write};
use std::net::{Ipv4Addr, Shutdown, SocketAddr, TcpListener, TcpStream, UdpSocket};
use std::os::fd::{AsFd, AsRawFd, OwnedFd, RawFd};
use std::os::unix::fs::MetadataExt;

use nix::sys::signal::Signal;
use nix::sys::wait::waitpid;
use nix::unistd::{ForkResult, Pid};

use crate::network::ports::{PortMapping, Proto};

/// The helper's process name (`comm`).
pub const COMM: &str = "skiff-portfwd";

/// The running helper; dropping it kills and reaps it.
#[derive(Debug)]
pub struct Forwarder {
    pid: Pid,
}

impl Drop for Forwarder {
    fn drop(&mut self) {
        let _ = nix::sys::signal::kill(self.pid, Signal::SIGKILL);
        while let Err(nix::errno::Errno::EINTR) = waitpid(self.pid, None) {}
    }
}

/// Publish the TCP ports of `ports` for the container whose process is `pid` (its namespaces
/// exist), to `target` in the container. None when there is no TCP port. Must be called while
/// the monitor is single-threaded.
pub fn start(
    pid: i32,
    ports: &[PortMapping],
    target: Ipv4Addr,
) -> Result<Option<Forwarder>, String> {
    if ports.is_empty() {
        return Ok(None);
    }
    let mut listeners = Vec::new();
    for p in ports {
        let addr = format!("{}:{}", p.bind_ip(), p.host_port);
        let what = |e: std::io::Error, proto: &str| {
            format!(
                "cannot publish {}:{}->{}/{proto}: {e} (is the port in use?)",
                p.bind_ip(),
                p.host_port,
                p.container_port
            )
        };
        let l = match p.proto {
            Proto::Tcp => {
                Listener::Tcp(TcpListener::bind(addr.as_str()).map_err(|e| what(e, "tcp"))?)
            }
            Proto::Udp => {
                Listener::Udp(UdpSocket::bind(addr.as_str()).map_err(|e| what(e, "udp"))?)
            }
        };
        listeners.push((l, p.container_port));
    }
    let ns = |name: &str| {
        std::fs::File::open(format!("/proc/{pid}/ns/{name}"))
            .map_err(|e| format!("opening the container's {name} namespace: {e}"))
    };
    let netns = ns("net")?;
    // Joining our own user namespace again is an error (rootful, or a shared namespace).
    let userns = {
        let theirs = ns("user")?;
        let same = match (theirs.metadata(), std::fs::metadata("/proc/self/ns/user")) {
            (Ok(a), Ok(b)) => a.ino() == b.ino() && a.dev() == b.dev(),
            _ => false,
        };
        (!same).then_some(theirs)
    };
    let (ready_r, ready_w) =
        nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC).map_err(|e| format!("pipe: {e}"))?;
    let parent = std::process::id() as i32;
    let mut keep: Vec<RawFd> = listeners.iter().map(|(l, _)| l.as_raw_fd()).collect();
    keep.push(ready_w.as_raw_fd());
    keep.push(netns.as_raw_fd());
    if let Some(u) = &userns {
        keep.push(u.as_raw_fd());
    }
    // SAFETY: the monitor is single-threaded here (runtime::create's before_go hook), so the
    // child has a consistent copy of the process. It only closes descriptors, joins the
    // namespaces and serves the listeners until it is killed; it never returns.
    match unsafe { nix::unistd::fork() } {
        Ok(ForkResult::Child) => {
            let code = child(parent, &keep, listeners, target, netns, userns, ready_w);
            // SAFETY: ending the forked child without running the parent's destructors.
            unsafe { libc::_exit(code) }
        }
        Ok(ForkResult::Parent { child }) => {
            drop(ready_w);
            drop(listeners);
            let fwd = Forwarder { pid: child };
            let mut msg = String::new();
            let _ = std::fs::File::from(ready_r).read_to_string(&mut msg);
            if msg == "ok" {
                Ok(Some(fwd))
            } else if msg.is_empty() {
                Err("the port forwarder exited before it was ready".into())
            } else {
                Err(msg)
            }
        }
        Err(e) => Err(format!("fork: {e}")),
    }
}

/// The helper: never returns while it serves; the exit code when it cannot start.
fn child(
    parent: i32,
    keep: &[RawFd],
    listeners: Vec<(Listener, u16)>,
    target: Ipv4Addr,
    netns: std::fs::File,
    userns: Option<std::fs::File>,
    ready_w: OwnedFd,
) -> i32 {
    let _ = nix::sys::prctl::set_pdeathsig(Signal::SIGKILL);
    if nix::unistd::getppid().as_raw() != parent {
        return 1;
    }
    let _ = nix::sys::prctl::set_name(c"skiff-portfwd");
    crate::sys::fd::detach_descriptors(keep);
    let mut ready = std::fs::File::from(ready_w);
    let fail = |ready: &mut std::fs::File, msg: String| {
        let _ = ready.write_all(msg.as_bytes());
        1
    };
    if let Some(u) = &userns {
        if let Err(e) = nix::sched::setns(u.as_fd(), nix::sched::CloneFlags::CLONE_NEWUSER) {
            return fail(
                &mut ready,
                format!("port forwarder: joining the container's user namespace: {e}"),
            );
        }
    }
    if let Err(e) = nix::sched::setns(netns.as_fd(), nix::sched::CloneFlags::CLONE_NEWNET) {
        return fail(
            &mut ready,
            format!("port forwarder: joining the container's network namespace: {e}"),
        );
    }
    drop(netns);
    drop(userns);
    if ready.write_all(b"ok").is_err() {
        return 1;
    }
    drop(ready);
    let mut threads = Vec::new();
    for (l, port) in listeners {
        let t = std::thread::Builder::new()
            .stack_size(64 * 1024)
            .spawn(move || match l {
                Listener::Tcp(l) => serve(l, target, port),
                Listener::Udp(u) => serve_udp(u, target, port),
            });
        match t {
            Ok(t) => threads.push(t),
            Err(_) => return 1,
        }
    }
    // The serving threads need little of what the fork copied from the monitor's start-up.
    crate::sys::memory::release_startup_memory();
    for t in threads {
        let _ = t.join();
    }
    0
}

/// A published host socket.
enum Listener {
    Tcp(TcpListener),
    Udp(UdpSocket),
}

impl AsRawFd for Listener {
    fn as_raw_fd(&self) -> RawFd {
        match self {
            Listener::Tcp(l) => l.as_raw_fd(),
            Listener::Udp(u) => u.as_raw_fd(),
        }
    }
}

/// UDP clients: each host client's socket inside the container, and when it was last used.
type UdpPeers =
    std::collections::HashMap<SocketAddr, (std::sync::Arc<UdpSocket>, std::time::Instant)>;

/// Relay datagrams between host clients and the container's UDP port.
fn serve_udp(host: UdpSocket, target: Ipv4Addr, port: u16) {
    use std::collections::HashMap;
    use std::sync::{Arc, Mutex};
    use std::time::{Duration, Instant};
    const IDLE: Duration = Duration::from_secs(60);
    let host = Arc::new(host);
    // Client address -> (socket connected to the container, last use).
    let peers: Arc<Mutex<UdpPeers>> = Arc::new(Mutex::new(HashMap::new()));
    let mut buf = vec![0u8; 65536];
    loop {
        let Ok((n, client)) = host.recv_from(&mut buf) else {
            std::thread::sleep(Duration::from_millis(10));
            continue;
        };
        let upstream = {
            let Ok(mut map) = peers.lock() else { return };
            map.retain(|_, (_, used)| used.elapsed() < IDLE);
            match map.get_mut(&client) {
                Some((sock, used)) => {
                    *used = Instant::now();
                    Some(sock.clone())
                }
                None => {
                    // Created after setns: this socket lives in the container's namespace.
                    let sock = UdpSocket::bind((Ipv4Addr::UNSPECIFIED, 0))
                        .and_then(|s| s.connect((target, port)).map(|()| s))
                        .ok()
                        .map(Arc::new);
                    if let Some(sock) = &sock {
                        let _ = sock.set_read_timeout(Some(IDLE));
                        map.insert(client, (sock.clone(), Instant::now()));
                        let (back, host, peers) = (sock.clone(), host.clone(), peers.clone());
                        let _ =
                            std::thread::Builder::new()
                                .stack_size(64 * 1024)
                                .spawn(move || {
                                    let mut buf = vec![0u8; 65536];
                                    // Replies until the client has been idle for a while.
                                    while let Ok(n) = back.recv(&mut buf) {
                                        let _ = host.send_to(&buf[..n], client);
                                    }
                                    if let Ok(mut map) = peers.lock() {
                                        map.remove(&client);
                                    }
                                });
                    }
                    sock
                }
            }
        };
        if let Some(sock) = upstream {
            let _ = sock.send(&buf[..n]);
        }
    }
}

/// Accept connections on `l` (host side) and relay each to the container's port.
fn serve(l: TcpListener, target: Ipv4Addr, port: u16) {
    loop {
        let client = match l.accept() {
            Ok((c, _)) => c,
            // Out of descriptors or memory: wait rather than spin.
            Err(_) => {
                std::thread::sleep(std::time::Duration::from_millis(10));
                continue;
            }
        };
        let _ = std::thread::Builder::new()
            .stack_size(64 * 1024)
            .spawn(move || connection(client, target, port));
    }
}

/// One connection: connect inside the container and relay both ways until both are done.
fn connection(client: TcpStream, target: Ipv4Addr, port: u16) {
    let Ok(upstream) = TcpStream::connect((target, port)) else {
        return;
    };
    let _ = client.set_nodelay(true);
    let _ = upstream.set_nodelay(true);
    let (Ok(c2), Ok(u2)) = (client.try_clone(), upstream.try_clone()) else {
        return;
    };
    let back = std::thread::Builder::new()
        .stack_size(64 * 1024)
        .spawn(move || relay(&u2, &c2));
    relay(&client, &upstream);
    if let Ok(t) = back {
        let _ = t.join();
    }
}

/// Move bytes from `from` to `to` with splice(2) through a pipe until `from` ends; then end
/// `to`'s direction. On an error both sockets are shut down, which ends the other direction.
fn relay(from: &TcpStream, to: &TcpStream) {
    use nix::fcntl::{splice, SpliceFFlags};
    const CHUNK: usize = 1 << 20;
    let fallback = || copy(from, to);
    let Ok((pr, pw)) = nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC) else {
        return fallback();
    };
    let _ = nix::fcntl::fcntl(&pw, nix::fcntl::FcntlArg::F_SETPIPE_SZ(CHUNK as i32));
    let flags = SpliceFFlags::SPLICE_F_MOVE;
    let ok = 'outer: loop {
        let n = match splice(from.as_fd(), None, &pw, None, CHUNK, flags) {
            Ok(0) => break true,
            Ok(n) => n,
            Err(nix::errno::Errno::EINTR) => continue,
            Err(_) => break false,
        };
        let mut left = n;
        while left > 0 {
            match splice(&pr, None, to.as_fd(), None, left, flags) {
                Ok(0) => break 'outer false,
                Ok(m) => left -= m,
                Err(nix::errno::Errno::EINTR) => continue,
                Err(_) => break 'outer false,
            }
        }
    };
    if ok {
        let _ = to.shutdown(Shutdown::Write);
    } else {
        let _ = from.shutdown(Shutdown::Both);
        let _ = to.shutdown(Shutdown::Both);
    }
}

/// read/write copy, when no pipe can be had.
fn copy(mut from: &TcpStream, mut to: &TcpStream) {
    if std::io::copy(&mut from, &mut to).is_ok() {
        let _ = to.shutdown(Shutdown::Write);
    } else {
        let _ = from.shutdown(Shutdown::Both);
        let _ = to.shutdown(Shutdown::Both);
    }
}
