//! The Docker Engine API, on demand: `skiff system service` listens on a unix socket (or a TCP
//! address the user names, or sockets handed over by systemd's socket activation), answers
//! docker's REST calls by calling the same engine functions as the CLI, and exits once it has
//! been idle for `--time` seconds. A front end beside `cli`: it calls `engine`, never the
//! reverse.
//!
//! The HTTP stack is hyper 1 (HTTP/1.1 with upgrades, for attach and exec) on a current-thread
//! tokio runtime. Engine calls block (files, locks, waits), so they run on tokio's blocking
//! pool; the container monitor and every user-namespace helper are skiff re-executed, so a
//! threaded service can start them. `exec` needs a single-threaded caller (it forks into the
//! container's namespaces): the service runs it in `skiff __api-exec`, a re-executed child.
mod archive;
mod build;
mod commit;
mod containers;
mod exec;
mod hijack;
mod http;
mod images;
mod networks;
mod routes;
mod schema;
mod stats;
mod system;
mod version;
mod volumes;

pub use exec::exec_child_main;
pub use system::dial_stdio;

use std::os::fd::{OwnedFd, RawFd};
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;

use crate::engine::EngineError;
use crate::state::Paths;

/// What `system service` takes.
#[derive(Debug, Clone)]
pub struct ServiceOptions {
    /// `unix:///path` or `tcp://HOST:PORT`; None: the default socket.
    pub uri: Option<String>,
    /// Exit after this long without a request in flight; None: never.
    pub idle: Option<Duration>,
}

/// The default socket: `$XDG_RUNTIME_DIR/skiff/skiff.sock` (`/run/skiff/skiff.sock` as root).
pub fn default_socket(paths: &Paths) -> PathBuf {
    paths.runtime.join("skiff.sock")
}

/// Counts what is in flight (requests, streams, hijacked connections) and when the service
/// last became idle.
#[derive(Debug)]
pub struct Activity {
    busy: AtomicUsize,
    idle_since: Mutex<Instant>,
    /// Told each time the last piece of work ends (the service then lets go of memory).
    went_idle: tokio::sync::Notify,
}

/// Keeps the service busy while it lives.
#[derive(Debug)]
pub struct Busy(Arc<Activity>);

impl Activity {
    fn new() -> Arc<Activity> {
        Arc::new(Activity {
            busy: AtomicUsize::new(0),
            idle_since: Mutex::new(Instant::now()),
            went_idle: tokio::sync::Notify::new(),
        })
    }
    pub fn enter(self: &Arc<Activity>) -> Busy {
        self.busy.fetch_add(1, Ordering::SeqCst);
        Busy(self.clone())
    }
    fn idle_for(&self) -> Option<Duration> {
        if self.busy.load(Ordering::SeqCst) > 0 {
            return None;
        }
        self.idle_since.lock().ok().map(|t| t.elapsed())
    }
}

impl Clone for Busy {
    fn clone(&self) -> Busy {
        self.0.enter()
    }
}

impl Drop for Busy {
    fn drop(&mut self) {
        if self.0.busy.fetch_sub(1, Ordering::SeqCst) == 1 {
            if let Ok(mut t) = self.0.idle_since.lock() {
                *t = Instant::now();
            }
            self.0.went_idle.notify_one();
        }
    }
}

/// What every handler shares.
pub struct Ctx {
    pub paths: Paths,
    pub activity: Arc<Activity>,
    /// Attach requests waiting for their container to start (docker's `run` attaches first).
    pub pending_attach: hijack::Pending,
    /// Exec instances made by `POST /containers/{id}/exec`.
    pub execs: exec::Execs,
    /// Whether the service holds the shared network namespace up (let go when it exits).
    pub holds_shared_namespace: std::sync::atomic::AtomicBool,
}

enum Listener {
    Unix(std::os::unix::net::UnixListener),
    Tcp(std::net::TcpListener),
}

/// `sd_listen_fds`: the sockets systemd passed us, if they are meant for this process.
fn activation_fds() -> Result<Vec<OwnedFd>, EngineError> {
    let pid_ok = std::env::var("LISTEN_PID")
        .ok()
        .and_then(|p| p.parse::<u32>().ok())
        .is_some_and(|p| p == std::process::id());
    let n: RawFd = std::env::var("LISTEN_FDS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    // Not for our children.
    for k in ["LISTEN_PID", "LISTEN_FDS", "LISTEN_FDNAMES"] {
        std::env::remove_var(k);
    }
    if !pid_ok || n <= 0 {
        return Ok(Vec::new());
    }
    let mut out = Vec::new();
    for fd in 3..3 + n {
        // systemd handed these descriptors to this process (LISTEN_PID is ours); adopting
        // makes them close-on-exec: the monitors and helpers we start must not inherit them.
        out.push(
            crate::sys::fd::adopt_inherited(fd)
                .map_err(EngineError::failed(format!("socket activation: fd {fd}")))?,
        );
    }
    Ok(out)
}

fn listener_from_fd(fd: OwnedFd) -> Result<Listener, EngineError> {
    use nix::sys::socket::{getsockname, SockaddrStorage};
    use std::os::fd::AsRawFd;
    let addr: SockaddrStorage = getsockname(fd.as_raw_fd())
        .map_err(EngineError::failed("socket activation: not a socket"))?;
    if addr.as_unix_addr().is_some() {
        Ok(Listener::Unix(std::os::unix::net::UnixListener::from(fd)))
    } else {
        Ok(Listener::Tcp(std::net::TcpListener::from(fd)))
    }
}

fn bind(uri: &str) -> Result<Listener, EngineError> {
    if let Some(addr) = uri.strip_prefix("tcp://") {
        let l = std::net::TcpListener::bind(addr)
            .map_err(EngineError::io(format!("listening on {uri}")))?;
        let loopback = l
            .local_addr()
            .map(|a| a.ip().is_loopback())
            .unwrap_or(false);
        if !loopback {
            eprintln!(
                "WARNING: Using the skiff API service with TCP sockets is not recommended, please see `skiff system service` manpage for details"
            );
        }
        return Ok(Listener::Tcp(l));
    }
    let path = uri.strip_prefix("unix://").unwrap_or(uri);
    if path.is_empty() || !path.starts_with('/') {
        return Err(EngineError::Usage(format!(
            "invalid URI {uri:?}: use unix:///PATH or tcp://HOST:PORT"
        )));
    }
    let path = std::path::Path::new(path);
    if let Some(dir) = path.parent() {
        use std::os::unix::fs::DirBuilderExt;
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .map_err(EngineError::io(format!("creating {}", dir.display())))?;
    }
    if std::os::unix::net::UnixStream::connect(path).is_ok() {
        return Err(EngineError::Conflict(format!(
            "{} is in use by another service",
            path.display()
        )));
    }
    let _ = std::fs::remove_file(path);
    // Whoever can open the socket controls this user's containers: 0600 from the start.
    let old = nix::sys::stat::umask(nix::sys::stat::Mode::from_bits_truncate(0o177));
    let bound = std::os::unix::net::UnixListener::bind(path);
    nix::sys::stat::umask(old);
    let l = bound.map_err(EngineError::io(format!("listening on {}", path.display())))?;
    Ok(Listener::Unix(l))
}

/// `system service`: serve until idle for `opts.idle`. Sockets come from systemd when it
/// passed some, else from `opts.uri`, else the default socket.
pub fn serve(paths: &Paths, opts: &ServiceOptions) -> Result<(), EngineError> {
    // A client that leaves while we write must be an EPIPE for that connection, never the
    // end of the service (the CLI's `main` restored the default for `skiff ps | head`).
    crate::sys::fd::ignore_sigpipe();
    let activated = activation_fds()?;
    let mut listeners = Vec::new();
    let mut socket_file = None;
    if activated.is_empty() {
        let uri = opts
            .uri
            .clone()
            .unwrap_or_else(|| format!("unix://{}", default_socket(paths).display()));
        let l = bind(&uri)?;
        if matches!(l, Listener::Unix(_)) {
            socket_file = Some(PathBuf::from(uri.strip_prefix("unix://").unwrap_or(&uri)));
        }
        listeners.push(l);
    } else {
        for fd in activated {
            listeners.push(listener_from_fd(fd)?);
        }
    }
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .max_blocking_threads(64)
        // Idle blocking threads go soon: the service should be small between requests.
        .thread_keep_alive(Duration::from_secs(2))
        .build()
        .map_err(EngineError::io("starting the service's event loop"))?;
    let ctx = Arc::new(Ctx {
        paths: paths.clone(),
        activity: Activity::new(),
        pending_attach: Default::default(),
        execs: Default::default(),
        holds_shared_namespace: Default::default(),
    });
    let result = rt.block_on(run(ctx.clone(), listeners, opts.idle));
    // Streams still running (a `logs -f` a client left) must not keep us.
    rt.shutdown_timeout(Duration::from_millis(200));
    if ctx.holds_shared_namespace.load(Ordering::SeqCst) {
        crate::engine::network::let_go_shared_namespace(paths);
    }
    if let Some(p) = socket_file {
        let _ = std::fs::remove_file(p);
    }
    result
}

/// How long the service stays idle before it lets go of the memory its work touched.
const RELEASE_AFTER: Duration = Duration::from_secs(1);

async fn run(
    ctx: Arc<Ctx>,
    listeners: Vec<Listener>,
    idle: Option<Duration>,
) -> Result<(), EngineError> {
    use tokio::signal::unix::{signal, SignalKind};
    for l in listeners {
        match l {
            Listener::Unix(l) => {
                let l = l
                    .set_nonblocking(true)
                    .and_then(|()| tokio::net::UnixListener::from_std(l));
                accept_loop(
                    ctx.clone(),
                    l.map_err(EngineError::io("the listening socket"))?,
                );
            }
            Listener::Tcp(l) => {
                let l = l
                    .set_nonblocking(true)
                    .and_then(|()| tokio::net::TcpListener::from_std(l));
                accept_loop(
                    ctx.clone(),
                    l.map_err(EngineError::io("the listening socket"))?,
                );
            }
        }
    }
    // SIGTERM (systemd's stop, docker's and podman's services exit on it at once) and SIGINT
    // end the service: our own handlers, so that one a finished freeze (`commit --pause`)
    // left registered cannot swallow them.
    let mut term = signal(SignalKind::terminate()).map_err(EngineError::io("handling SIGTERM"))?;
    let mut int = signal(SignalKind::interrupt()).map_err(EngineError::io("handling SIGINT"))?;
    // Whether the memory of the last burst of work was let go since the service went idle.
    let mut released = false;
    loop {
        let idle_for = ctx.activity.idle_for();
        // No timer at all without an idle limit; else wake when the limit would be reached
        // (the whole limit again while busy: the remaining time is known only once idle).
        let mut nap = match (idle, idle_for) {
            (None, _) => Duration::from_secs(24 * 3600),
            (Some(limit), Some(idle_for)) if idle_for >= limit => return Ok(()),
            (Some(limit), Some(idle_for)) => limit - idle_for,
            (Some(limit), None) => limit,
        };
        // A second after the last request, the pages of the binary that serving touched (the
        // engine's code: clean copies of the file) and the free heap go back, as a monitor's do
        // (sys::memory): an idle service keeps only what it wrote.
        if let (Some(idle_for), false) = (idle_for, released) {
            if idle_for >= RELEASE_AFTER {
                crate::sys::memory::release_startup_memory();
                released = true;
            } else {
                nap = nap.min(RELEASE_AFTER - idle_for);
            }
        }
        tokio::select! {
            _ = term.recv() => return Ok(()),
            _ = int.recv() => return Ok(()),
            _ = ctx.activity.went_idle.notified() => released = false,
            _ = tokio::time::sleep(nap) => {}
        }
    }
}

/// A listening socket the accept loop takes connections from: unix or TCP alike.
trait Acceptor: Send + 'static {
    type Conn: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static;
    fn next(&self) -> impl std::future::Future<Output = std::io::Result<Self::Conn>> + Send;
}

impl Acceptor for tokio::net::UnixListener {
    type Conn = tokio::net::UnixStream;
    async fn next(&self) -> std::io::Result<Self::Conn> {
        self.accept().await.map(|(s, _)| s)
    }
}

impl Acceptor for tokio::net::TcpListener {
    type Conn = tokio::net::TcpStream;
    async fn next(&self) -> std::io::Result<Self::Conn> {
        self.accept().await.map(|(s, _)| s)
    }
}

/// Take connections from `l` for as long as the service runs; a failed accept (EMFILE) is
/// retried after a pause rather than ending the service.
fn accept_loop<A: Acceptor>(ctx: Arc<Ctx>, l: A) {
    tokio::spawn(async move {
        loop {
            match l.next().await {
                Ok(s) => connection(ctx.clone(), s),
                Err(e) => {
                    tracing::warn!("accept: {e}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            }
        }
    });
}

/// Serve one client connection (keep-alive, upgrades for attach and exec).
fn connection<S>(ctx: Arc<Ctx>, stream: S)
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    tokio::spawn(async move {
        let svc = service_fn(move |req| {
            let ctx = ctx.clone();
            async move { Ok::<_, std::convert::Infallible>(routes::handle(ctx, req).await) }
        });
        if let Err(e) = http1::Builder::new()
            .serve_connection(TokioIo::new(stream), svc)
            .with_upgrades()
            .await
        {
            tracing::debug!("connection: {e}");
        }
    });
}
