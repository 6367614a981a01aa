//! An external OCI runtime (`--runtime runc`, `crun` or a path): skiff hands it the bundle it
//! builds for its own runtime and stays the container's parent, as conmon is for podman.
//!
//! Rootless, the runtime runs as root in the container's user namespace, as podman runs it:
//! a child of the monitor unshares that namespace (the monitor writes its id maps, as for the
//! built-in runtime) and a mount namespace, mounts the layered root filesystem there, and
//! becomes `RUNTIME create`. The spec it gets has no user namespace of its own (the container
//! shares the one the runtime is in) and its root is the mounted tree. When `create` returns,
//! the container's first process is left waiting in its namespaces; the monitor, a child
//! subreaper, inherits it, runs the network hook with its pid (as with the built-in runtime),
//! then `RUNTIME start`. Signals go straight to the pid through a pidfd (as for built-in
//! containers); `RUNTIME delete --force` runs after every exit. `exec` enters the namespaces
//! with skiff's own code, as for every container.
use std::io::{Read, Write};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd};
use std::os::unix::net::{UnixListener, UnixStream};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};

use nix::sched::CloneFlags;
use oci_spec::runtime::{LinuxNamespaceType, Spec};

use super::{Rootfs, RuntimeError, Started, Stdio};

/// One container's use of an external runtime.
#[derive(Debug, Clone)]
pub struct External {
    /// The runtime's executable (absolute).
    pub program: PathBuf,
    /// Its state directory (`--root`): one per container, inside the container's directory.
    pub state_root: PathBuf,
    /// The bundle directory: `config.json` for the runtime is written there.
    pub bundle: PathBuf,
    /// The container's ID, as the runtime knows it.
    pub id: String,
    /// Where the runtime sends a terminal's master (`--console-socket`): a path short enough
    /// for a socket address.
    pub console_socket: PathBuf,
}

/// What skiff's own mount options ask for a bind mount's source (see `spec::SpecMount`),
/// done before the runtime starts, as root in the container's user namespace with the root
/// filesystem mounted: the runtime knows nothing of them.
#[derive(Debug)]
struct SourcePrep {
    source: PathBuf,
    destination: PathBuf,
    copy_up: bool,
    chown: Option<(u32, u32)>,
}

/// Take skiff's own options out of the spec's mounts: a bind's copy-up and chown become
/// [`SourcePrep`]s, a tmpfs's chown becomes its `uid=`/`gid=` options.
fn take_skiff_options(spec: &mut Spec) -> Vec<SourcePrep> {
    let mut preps = Vec::new();
    let Some(mut mounts) = spec.mounts().clone() else {
        return preps;
    };
    for m in mounts.iter_mut() {
        let opts = m.options().clone().unwrap_or_default();
        if !opts.iter().any(|o| o.starts_with("skiff.")) {
            continue;
        }
        let copy_up = opts.iter().any(|o| o == super::spec::OPT_COPY_UP);
        let chown = opts.iter().find_map(|o| {
            let ids = o.strip_prefix(super::spec::OPT_CHOWN)?;
            let (u, g) = ids.split_once(':')?;
            Some((u.parse::<u32>().ok()?, g.parse::<u32>().ok()?))
        });
        let mut kept: Vec<String> = opts
            .into_iter()
            .filter(|o| !o.starts_with("skiff."))
            .collect();
        let bind = m.typ().as_deref() == Some("bind") || kept.iter().any(|o| o.ends_with("bind"));
        if bind {
            if let Some(source) = m.source().clone() {
                preps.push(SourcePrep {
                    source,
                    destination: m.destination().clone(),
                    copy_up,
                    chown,
                });
            }
        } else if let Some((uid, gid)) = chown {
            kept.push(format!("uid={uid}"));
            kept.push(format!("gid={gid}"));
        }
        m.set_options(Some(kept));
    }
    spec.set_mounts(Some(mounts));
    preps
}

/// Carry out the [`SourcePrep`]s (in the child, with the root filesystem at `root`).
fn prepare_sources(root: &Path, preps: &[SourcePrep]) -> Result<(), RuntimeError> {
    use nix::fcntl::OFlag;
    let root_fd = super::inroot::open_root(root).map_err(RuntimeError::ctx::<nix::Error>(
        "opening the root filesystem",
    ))?;
    for p in preps {
        let is_dir = std::fs::metadata(&p.source)
            .map(|m| m.is_dir())
            .unwrap_or(true);
        if p.copy_up && is_dir {
            // The image's content at the destination, if it is a directory there.
            if let Ok(from) = super::inroot::open(
                root_fd.as_fd(),
                &p.destination,
                OFlag::O_PATH | OFlag::O_DIRECTORY,
            ) {
                super::mountops::copy_up_from(from.as_fd(), &p.source)?;
            }
        }
        if let Some((uid, gid)) = p.chown {
            super::mountops::chown_tree(&p.source, uid, gid)?;
        }
    }
    Ok(())
}

/// The user namespace the runtime runs in.
enum UserNs {
    /// This process's (rootful, or no user namespace in the spec).
    Ours,
    /// A new one, mapped as the spec's `uidMappings`/`gidMappings` say.
    New(super::userns::IdMapping),
    /// An existing one (a user network's holder, `--network container:`).
    Join(PathBuf),
}

/// Find the runtime `name`: a path (used as it is), or a name looked up on `$PATH` and in the
/// sbin directories, where Debian installs runc. `None` when there is no such executable.
pub fn resolve(name: &str) -> Option<PathBuf> {
    use std::os::unix::fs::PermissionsExt;
    let executable = |p: &Path| {
        std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
    };
    if name.is_empty() {
        return None;
    }
    if name.contains('/') {
        let p = std::path::absolute(name).ok()?;
        return executable(&p).then_some(p);
    }
    let path = std::env::var("PATH").unwrap_or_default();
    let found = path
        .split(':')
        .filter(|d| !d.is_empty())
        .chain(["/usr/local/sbin", "/usr/sbin", "/sbin"])
        .map(|d| Path::new(d).join(name))
        .find(|p| executable(p));
    found
}

impl External {
    /// The runtime's command line up to the operation: `RUNTIME --root DIR --log FILE
    /// --log-format json`.
    fn command(&self) -> std::process::Command {
        let mut cmd = std::process::Command::new(&self.program);
        cmd.arg("--root")
            .arg(&self.state_root)
            .arg("--log")
            .arg(self.log_path())
            .arg("--log-format")
            .arg("json");
        cmd
    }

    fn log_path(&self) -> PathBuf {
        self.bundle.join("runtime.log")
    }

    /// The last error the runtime logged (its JSON log lines: `{"level":"error","msg":…}`).
    fn last_error(&self) -> Option<String> {
        let text = std::fs::read_to_string(self.log_path()).ok()?;
        text.lines()
            .rev()
            .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
            .find(|v| v["level"] == "error" || v["level"] == "fatal")
            .and_then(|v| v["msg"].as_str().map(str::to_string))
            // runc's wrapping says nothing the user needs: the container's own start error is
            // given as skiff's built-in runtime gives it (`exec: "x": executable file not
            // found in $PATH`).
            .map(
                |m| match m.split_once("unable to start container process: ") {
                    Some((_, rest)) => rest.to_string(),
                    None => m,
                },
            )
    }

    /// The runtime's failure as docker reports it: 127 when the command was not found, 126
    /// when it cannot be executed, else 125 (what containerd's callers match on too).
    fn failure(&self, what: &str, status: std::process::ExitStatus) -> RuntimeError {
        let message = self
            .last_error()
            .unwrap_or_else(|| format!("{} {what} failed: {status}", self.program.display()));
        let code = if message.contains("executable file not found")
            || message.contains("no such file or directory")
        {
            crate::exit::NOT_FOUND
        } else if message.contains("permission denied") {
            crate::exit::CANNOT_EXECUTE
        } else {
            crate::exit::ENGINE
        };
        RuntimeError::Start { message, code }
    }

    /// Run `RUNTIME ARGS…` to its end, as root in the user namespace `userns` when given.
    fn run(&self, args: &[&str], userns: Option<BorrowedFd<'_>>) -> Result<(), RuntimeError> {
        let mut cmd = self.command();
        cmd.args(args)
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null());
        if let Some(ns) = userns {
            let raw = ns.as_raw_fd();
            // SAFETY: the closure runs in the forked child before exec; it makes two system
            // calls (setns and the id changes) and allocates nothing but an error value.
            unsafe {
                cmd.pre_exec(move || {
                    let ns = BorrowedFd::borrow_raw(raw);
                    nix::sched::setns(ns, CloneFlags::CLONE_NEWUSER)
                        .map_err(std::io::Error::from)?;
                    super::userns::set_root_ids().map_err(|e| std::io::Error::other(e.to_string()))
                });
            }
        }
        let status = cmd.status().map_err(RuntimeError::ctx(format!(
            "running {}",
            self.program.display()
        )))?;
        if status.success() {
            Ok(())
        } else {
            Err(self.failure(args.first().copied().unwrap_or("command"), status))
        }
    }

    /// Forget the container after it exited (`RUNTIME delete --force`); its state goes with
    /// the container's directory anyway, so a failure here only leaves a note in the log.
    pub fn delete(&self, userns: Option<BorrowedFd<'_>>) {
        if let Err(e) = self.run(&["delete", "--force", &self.id], userns) {
            tracing::warn!("{} delete: {e}", self.program.display());
        }
    }
}

/// The init docker runs for `--init` (`docker-init`, which is tini), or podman's choices; they
/// are static, so they run in any image. The built-in runtime needs none (it is its own init).
fn host_init() -> Option<PathBuf> {
    ["docker-init", "tini-static", "catatonit"]
        .into_iter()
        .find_map(resolve)
        .or_else(|| resolve("/usr/libexec/podman/catatonit"))
}

/// runc before 1.2 ignores the spec's `domainname` (and rootless cannot write the sysctl that
/// would set it): say so rather than start a container without the name it asked for.
fn check_domainname_support(program: &Path) -> Result<(), RuntimeError> {
    let out = std::process::Command::new(program)
        .arg("--version")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
        .unwrap_or_default();
    // `runc version 1.1.5+ds1`
    let version = out
        .lines()
        .find_map(|l| l.strip_prefix("runc version "))
        .map(|v| {
            v.split(|c: char| !c.is_ascii_digit())
                .take(2)
                .map(|n| n.parse::<u32>().unwrap_or(0))
                .collect::<Vec<_>>()
        });
    match version {
        Some(v) if v.as_slice() < [1, 2].as_slice() => Err(RuntimeError::Start {
            message: format!(
                "{} cannot set the domain name (--domainname needs runc 1.2 or later, or crun)",
                program.display()
            ),
            code: crate::exit::ENGINE,
        }),
        _ => Ok(()),
    }
}

/// Where `--init`'s binary is mounted in the container, as docker mounts it.
const INIT_PATH: &str = "/sbin/docker-init";

/// The spec the runtime gets: no user namespace (it runs inside the container's), the mounted
/// tree as its root, a terminal when one is wanted, and what skiff's own runtime does itself
/// said in OCI terms: `--init` as docker's init binary,
/// `domainname` only for a runtime that sets it, no hostname without a UTS namespace of its own.
fn runtime_spec(
    program: &Path,
    spec: &Spec,
    rootfs: &Rootfs,
    tty: bool,
) -> Result<(Spec, UserNs, Vec<SourcePrep>), RuntimeError> {
    let mut spec = spec.clone();
    let preps = take_skiff_options(&mut spec);
    let mut userns = UserNs::Ours;
    let mapping = super::mapping_from_spec(&spec);
    let wants_init = spec
        .annotations()
        .as_ref()
        .and_then(|a| a.get(super::spec::INIT_ANNOTATION))
        .is_some_and(|v| v == "true");
    if wants_init {
        let init = host_init().ok_or_else(|| RuntimeError::Start {
            message: "--init with an external runtime needs docker-init, tini-static or \
                      catatonit on the host"
                .into(),
            code: crate::exit::ENGINE,
        })?;
        let mut mounts = spec.mounts().clone().unwrap_or_default();
        mounts.push(
            oci_spec::runtime::MountBuilder::default()
                .destination(INIT_PATH)
                .typ("bind")
                .source(init)
                .options(vec![
                    "bind".into(),
                    "ro".into(),
                    "nosuid".into(),
                    "nodev".into(),
                ])
                .build()
                .map_err(RuntimeError::ctx("the init's mount"))?,
        );
        spec.set_mounts(Some(mounts));
        if let Some(p) = spec.process_mut() {
            let mut args = vec![INIT_PATH.to_string(), "--".to_string()];
            args.extend(p.args().clone().unwrap_or_default());
            p.set_args(Some(args));
        }
        if let Some(a) = spec.annotations_mut() {
            a.remove(super::spec::INIT_ANNOTATION);
        }
    }
    // The devices are bind-mounted from the host, as skiff's runtime does: its /dev is a nodev
    // tmpfs, where a node the runtime made would open nothing. Rootless, runc binds them
    // itself; as root it would mknod them.
    let rootful = super::userns::is_rootful();
    let devices: Vec<PathBuf> = spec
        .linux()
        .as_ref()
        .and_then(|l| l.devices().clone())
        .unwrap_or_default()
        .iter()
        .map(|d| d.path().clone())
        .filter(|_| rootful)
        .collect();
    if !devices.is_empty() {
        let mut mounts = spec.mounts().clone().unwrap_or_default();
        for d in devices {
            mounts.push(
                oci_spec::runtime::MountBuilder::default()
                    .destination(d.clone())
                    .typ("bind")
                    .source(d)
                    .options(vec!["bind".into(), "nosuid".into(), "noexec".into()])
                    .build()
                    .map_err(RuntimeError::ctx("a device's mount"))?,
            );
        }
        spec.set_mounts(Some(mounts));
    }
    let mut own_uts = false;
    if let Some(linux) = spec.linux_mut() {
        if rootful {
            linux.set_devices(None);
        }
        own_uts = linux
            .namespaces()
            .as_deref()
            .unwrap_or_default()
            .iter()
            .any(|n| n.typ() == LinuxNamespaceType::Uts && n.path().is_none());
        if let Some(nss) = linux.namespaces_mut() {
            if let Some(pos) = nss.iter().position(|n| n.typ() == LinuxNamespaceType::User) {
                userns = match nss[pos].path() {
                    Some(p) => UserNs::Join(p.clone()),
                    None => UserNs::New(mapping),
                };
                nss.remove(pos);
            }
        }
        linux.set_uid_mappings(None).set_gid_mappings(None);
    }
    if !own_uts {
        spec.set_hostname(None);
    }
    if spec.domainname().as_deref().is_some_and(|d| !d.is_empty()) {
        check_domainname_support(program)?;
    }
    let mut root = spec.root().clone().unwrap_or_default();
    root.set_path(rootfs.target.clone());
    spec.set_root(Some(root));
    if let Some(p) = spec.process_mut() {
        p.set_terminal(Some(tty));
        // As root in the host's user namespace, only capabilities this process still has in
        // its bounding set can be given (a sandbox may lack some; `--privileged` asks for
        // all): skiff's runtime skips the others too, runc would fail. A new or joined user
        // namespace starts with a full bounding set.
        let ours = matches!(userns, UserNs::Ours);
        if let (true, Some(mut c), Ok(bounding)) = (
            ours,
            p.capabilities().clone(),
            caps::read(None, caps::CapSet::Bounding),
        ) {
            let has = |cap: &oci_spec::runtime::Capability| {
                serde_json::to_value(cap)
                    .ok()
                    .and_then(|v| v.as_str().and_then(|s| s.parse::<caps::Capability>().ok()))
                    .is_some_and(|cc| bounding.contains(&cc))
            };
            let keep = |set: &Option<oci_spec::runtime::Capabilities>| {
                set.as_ref()
                    .map(|s| s.iter().filter(|x| has(x)).cloned().collect())
            };
            let (b, e, pe, i, a) = (
                keep(c.bounding()),
                keep(c.effective()),
                keep(c.permitted()),
                keep(c.inheritable()),
                keep(c.ambient()),
            );
            c.set_bounding(b)
                .set_effective(e)
                .set_permitted(pe)
                .set_inheritable(i)
                .set_ambient(a);
            p.set_capabilities(Some(c));
        }
    }
    Ok((spec, userns, preps))
}

/// Start the container with the external runtime. The same contract as [`super::create`]:
/// `before_go(pid)` runs once the namespaces exist, before the container's process runs.
/// Must be called from a single-threaded process.
pub fn create(
    ext: &External,
    spec: &Spec,
    rootfs: &Rootfs,
    stdio: &Stdio,
    before_go: &mut dyn FnMut(i32) -> Result<(), RuntimeError>,
) -> Result<Started, RuntimeError> {
    let tty = matches!(stdio, Stdio::Tty);
    let allow_devices = spec
        .annotations()
        .as_ref()
        .and_then(|a| a.get(super::spec::ALLOW_DEVICES_ANNOTATION))
        .is_some_and(|v| v == "true");
    let (rspec, userns, preps) = runtime_spec(&ext.program, spec, rootfs, tty)?;
    std::fs::create_dir_all(&ext.bundle)
        .and_then(|()| std::fs::create_dir_all(&ext.state_root))
        .map_err(RuntimeError::ctx(ext.bundle.display().to_string()))?;
    rspec
        .save(ext.bundle.join("config.json"))
        .map_err(RuntimeError::ctx("writing the runtime's config.json"))?;
    let pid_file = ext.bundle.join("runtime.pid");
    let _ = std::fs::remove_file(&pid_file);
    let _ = std::fs::remove_file(ext.log_path());
    // A container left by a monitor that was killed would make `create` fail.
    let _ = std::fs::remove_dir_all(ext.state_root.join(&ext.id));

    // The container's first process is left to us when `create` exits.
    // SAFETY: prctl with PR_SET_CHILD_SUBREAPER and an integer flag.
    if unsafe { libc::prctl(libc::PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) } != 0 {
        return Err(RuntimeError::Io {
            what: "becoming a child subreaper".into(),
            source: std::io::Error::last_os_error(),
        });
    }
    let console = if tty {
        let _ = std::fs::remove_file(&ext.console_socket);
        if let Some(dir) = ext.console_socket.parent() {
            let _ = std::fs::create_dir_all(dir);
        }
        let l = UnixListener::bind(&ext.console_socket)
            .map_err(RuntimeError::ctx(ext.console_socket.display().to_string()))?;
        Some(l)
    } else {
        None
    };

    let mut cmd = ext.command();
    cmd.arg("create")
        .arg("--bundle")
        .arg(&ext.bundle)
        .arg("--pid-file")
        .arg(&pid_file);
    if tty {
        cmd.arg("--console-socket").arg(&ext.console_socket);
    }
    cmd.arg(&ext.id);
    let argv: Vec<std::ffi::CString> = std::iter::once(cmd.get_program())
        .chain(cmd.get_args())
        .map(|a| std::ffi::CString::new(a.as_encoded_bytes()))
        .collect::<Result<_, _>>()
        .map_err(|_| RuntimeError::Invalid("a NUL byte in the runtime's command line".into()))?;
    let (mut ours, theirs) = UnixStream::pair().map_err(RuntimeError::ctx("socketpair"))?;

    // SAFETY: the caller is single-threaded (the monitor), so the child owns a consistent copy
    // of the heap; it ends in execv or _exit.
    let child = match unsafe { nix::unistd::fork() } {
        Err(e) => return Err(RuntimeError::ctx("fork")(e)),
        Ok(nix::unistd::ForkResult::Child) => {
            drop(ours);
            let e = intermediate(theirs, &userns, rootfs, &preps, stdio, allow_devices, &argv);
            // SAFETY: _exit ends this forked child without running the parent's destructors.
            unsafe { libc::_exit(e) }
        }
        Ok(nix::unistd::ForkResult::Parent { child }) => child,
    };
    drop(theirs);
    let fail = |e: RuntimeError| {
        let _ = nix::sys::signal::kill(child, nix::sys::signal::Signal::SIGKILL);
        let _ = nix::sys::wait::waitpid(child, None);
        e
    };
    if let UserNs::New(mapping) = &userns {
        let mut b = [0u8; 1];
        if ours.read_exact(&mut b).is_ok() {
            mapping.write_for(child.as_raw()).map_err(fail)?;
            ours.write_all(b"M")
                .map_err(|e| fail(RuntimeError::ctx("sync")(e)))?;
        }
    }
    // Until the child execs: `F<pid>` (its FUSE server) and `E<message>` lines.
    let mut report = String::new();
    let _ = ours.read_to_string(&mut report);
    let status = nix::sys::wait::waitpid(child, None)
        .map_err(RuntimeError::ctx("waiting for the runtime"))?;
    let mut rootfs_server = None;
    let mut setup_error = None;
    for line in report.lines() {
        if let Some(p) = line.strip_prefix('F') {
            rootfs_server = p.parse::<i32>().ok();
        } else if let Some(m) = line.strip_prefix('E') {
            setup_error = Some(m.to_string());
        }
    }
    let cleanup_server = |server: Option<i32>| {
        if let Some(s) = server {
            crate::storage::rootfs::reap_server(s);
        }
    };
    if let Some(message) = setup_error {
        cleanup_server(rootfs_server);
        return Err(RuntimeError::Start {
            message,
            code: crate::exit::ENGINE,
        });
    }
    let created_ok = matches!(status, nix::sys::wait::WaitStatus::Exited(_, 0));
    if !created_ok {
        cleanup_server(rootfs_server);
        let code = match status {
            nix::sys::wait::WaitStatus::Exited(_, c) => c,
            _ => 1,
        };
        return Err(ext.failure(
            "create",
            std::os::unix::process::ExitStatusExt::from_raw(code << 8),
        ));
    }
    let pid: i32 = std::fs::read_to_string(&pid_file)
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .filter(|&p| p > 0)
        .ok_or_else(|| {
            RuntimeError::Failed(format!(
                "{} create left no pid in {}",
                ext.program.display(),
                pid_file.display()
            ))
        })?;
    // Verify the pid is the container's: our child now (we are its subreaper), so it cannot
    // have been reused while we hold it unreaped.
    let handle = super::ProcessHandle::open(pid)
        .map_err(RuntimeError::ctx(format!("the container's process {pid}")))?;
    let kill_all = |e: RuntimeError| {
        let _ = handle.signal(libc::SIGKILL);
        let _ = nix::sys::wait::waitpid(nix::unistd::Pid::from_raw(pid), None);
        cleanup_server(rootfs_server);
        e
    };
    let pty_master = match console {
        Some(l) => Some(receive_console(&l).map_err(kill_all)?),
        None => None,
    };
    let _ = std::fs::remove_file(&ext.console_socket);
    before_go(pid).map_err(kill_all)?;
    let ns = match userns {
        UserNs::Ours => None,
        _ => Some(
            std::fs::File::open(format!("/proc/{pid}/ns/user"))
                .map(OwnedFd::from)
                .map_err(|e| kill_all(RuntimeError::ctx("user namespace")(e)))?,
        ),
    };
    if let Err(e) = ext.run(&["start", &ext.id], ns.as_ref().map(|n| n.as_fd())) {
        let e = kill_all(e);
        ext.delete(ns.as_ref().map(|n| n.as_fd()));
        return Err(e);
    }
    Ok(Started {
        pid,
        pty_master,
        rootfs_server,
    })
}

/// The terminal master the runtime sends on the console socket (it has sent it by the time
/// `create` exits, so the connection is waiting).
fn receive_console(l: &UnixListener) -> Result<OwnedFd, RuntimeError> {
    l.set_nonblocking(true)
        .map_err(RuntimeError::ctx("console socket"))?;
    let (conn, _) = l.accept().map_err(RuntimeError::ctx(
        "the runtime sent no terminal on the console socket",
    ))?;
    conn.set_nonblocking(false)
        .map_err(RuntimeError::ctx("console socket"))?;
    // runc sends the pty's name as the message and the master with SCM_RIGHTS.
    match super::receive_fd(&conn)? {
        (_, Some(fd)) => Ok(fd),
        _ => Err(RuntimeError::Failed(
            "the runtime sent no terminal on the console socket".into(),
        )),
    }
}

/// The child that becomes `RUNTIME create`: into the container's user namespace, a mount
/// namespace of its own with the root filesystem mounted, the container's standard streams.
/// Returns only on failure (the exit code), after reporting it on `sock`.
fn intermediate(
    mut sock: UnixStream,
    userns: &UserNs,
    rootfs: &Rootfs,
    preps: &[SourcePrep],
    stdio: &Stdio,
    allow_devices: bool,
    argv: &[std::ffi::CString],
) -> i32 {
    fn report(sock: &mut UnixStream, msg: String) -> i32 {
        let _ = sock.write_all(format!("E{}\n", msg.replace('\n', " ")).as_bytes());
        crate::exit::ENGINE
    }
    let _ = nix::sys::signal::sigprocmask(
        nix::sys::signal::SigmaskHow::SIG_SETMASK,
        Some(&nix::sys::signal::SigSet::empty()),
        None,
    );
    let entered = match userns {
        UserNs::Ours => Ok(()),
        UserNs::New(_) => nix::sched::unshare(CloneFlags::CLONE_NEWUSER)
            .map_err(|e| format!("unshare(CLONE_NEWUSER): {e}"))
            .and_then(|()| sock.write_all(b"U").map_err(|e| e.to_string()))
            .and_then(|()| {
                let mut b = [0u8; 1];
                sock.read_exact(&mut b)
                    .map_err(|_| "the monitor did not write the id maps".to_string())
            })
            .and_then(|()| super::userns::set_root_ids().map_err(|e| e.to_string())),
        UserNs::Join(path) => if super::netns::in_user_namespace(path) {
            Ok(())
        } else {
            std::fs::File::open(path)
                .map_err(|e| format!("{}: {e}", path.display()))
                .and_then(|f| {
                    nix::sched::setns(&f, CloneFlags::CLONE_NEWUSER)
                        .map_err(|e| format!("joining {}: {e}", path.display()))
                })
        }
        .and_then(|()| super::userns::set_root_ids().map_err(|e| e.to_string())),
    };
    if let Err(e) = entered {
        return report(&mut sock, e);
    }
    // The FUSE server is forked before the mount namespace exists, so that it never keeps the
    // container's mounts alive (it ends when the kernel drops the connection).
    let server = match rootfs.driver().spawn_server(rootfs, None) {
        Ok(s) => s,
        Err(e) => return report(&mut sock, e.to_string()),
    };
    let mounted = nix::sched::unshare(CloneFlags::CLONE_NEWNS)
        .map_err(|e| format!("unshare(CLONE_NEWNS): {e}"))
        .and_then(|()| {
            nix::mount::mount(
                None::<&str>,
                "/",
                None::<&str>,
                nix::mount::MsFlags::MS_REC | nix::mount::MsFlags::MS_SLAVE,
                None::<&str>,
            )
            .map_err(|e| format!("making / a slave mount: {e}"))
        })
        .and_then(|()| rootfs.mount());
    let connection = match mounted {
        Ok(fd) => fd,
        Err(e) => return report(&mut sock, e),
    };
    // A served tree (FUSE) is readable once its server has the connection.
    if let (Some(server), Some(fd)) = (server, connection) {
        match server.serve(fd) {
            Ok(pid) => {
                let _ = sock.write_all(format!("F{pid}\n").as_bytes());
            }
            Err(e) => return report(&mut sock, e.to_string()),
        }
    }
    // Without --privileged the root file system is nodev, as with skiff's runtime (the
    // runtime's bind of it keeps the flag). After the FUSE server has its connection: statvfs
    // on the mount waits for it.
    if !allow_devices {
        if let Err(e) = super::container_mounts::remount_bind(
            &super::syscall::Linux,
            &rootfs.target,
            false,
            nix::mount::MsFlags::MS_NODEV,
        ) {
            return report(&mut sock, e.message);
        }
    }
    if let Err(e) = prepare_sources(&rootfs.target, preps) {
        return report(&mut sock, e.to_string());
    }
    if let Stdio::Fds {
        stdin,
        stdout,
        stderr,
    } = *stdio
    {
        for (from, to) in [(stdin, 0), (stdout, 1), (stderr, 2)] {
            // SAFETY: dup2 on two descriptor numbers: `from` is open (the monitor's pipe end
            // or /dev/null) and `to` is a standard stream this process may replace.
            if from != to && unsafe { libc::dup2(from, to) } < 0 {
                return report(&mut sock, format!("dup2 {from} to {to}"));
            }
        }
    }
    let Some(prog) = argv.first() else {
        return report(&mut sock, "no runtime".into());
    };
    let Err(e) = nix::unistd::execv(prog, argv);
    report(
        &mut sock,
        format!("executing {}: {e}", prog.to_string_lossy()),
    )
}
