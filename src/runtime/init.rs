//! The container's side of `create`: runs in the cloned child, inside the new namespaces,
//! and ends in execve or _exit. Errors go back to the parent as `CODE\tMESSAGE`.
use std::ffi::CString;
use std::io::{Read, Write};
use std::os::fd::{AsFd, AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};

use nix::fcntl::OFlag;
use oci_spec::runtime::Spec;

use super::container_mounts as mounts;
pub(super) use super::init_error::{ctx, fail, InitError};
use super::syscall::{Linux, Syscall};
use super::{inroot, Rootfs, Stdio};

/// The child's entry point. Never returns on success (execve); returns the process exit status
/// after reporting an error to the parent.
pub fn child_main(spec: &Spec, rootfs: &Rootfs, stdio: &Stdio, sock_fd: RawFd) -> isize {
    // SAFETY: `sock_fd` is the child's end of the socketpair, owned by nobody else here.
    let mut sock = unsafe { UnixStream::from_raw_fd(sock_fd) };
    // Seccomp's BPF is compiled while the parent writes the id maps (newuidmap takes longer).
    let seccomp = compile_seccomp(spec, rootfs);
    let mut go = [0u8; 1];
    if sock.read_exact(&mut go).is_err() {
        // The parent gave up (its error is reported there).
        return 1;
    }
    match seccomp.and_then(|s| setup_and_exec(spec, rootfs, stdio, &sock, s)) {
        Ok(never) => match never {},
        Err(e) => {
            let _ = sock.write_all(format!("{}\t{}", e.code, e.message).as_bytes());
            e.code as isize
        }
    }
}

pub(super) enum Never {}

/// The spec's seccomp profile as BPF programs, if it has one: from the cache every container
/// of the store shares (`cache/seccomp/SHA256.bpf` in the store, which holds `containers/ID/
/// merged`, the mount point; keyed by the profile as serialized here; `exec`'s cache, keyed
/// by `config.json`'s text, is in the container's directory), compiled when that holds no
/// intact copy of it. A container's own directory would be new, so empty, for every `run`.
fn compile_seccomp(
    spec: &Spec,
    rootfs: &Rootfs,
) -> Result<Option<Vec<seccompiler::BpfProgram>>, InitError> {
    match spec.linux().as_ref().and_then(|l| l.seccomp().as_ref()) {
        Some(s) => {
            let text = serde_json::to_string(s).map_err(ctx("seccomp profile"))?;
            let store = rootfs.target.ancestors().nth(3);
            let progs = match store {
                Some(store) => super::seccomp_cache::compile_shared(
                    &text,
                    &store.join("cache").join("seccomp"),
                ),
                None => serde_json::from_str(&text)
                    .map_err(super::RuntimeError::ctx("seccomp profile"))
                    .and_then(|v| super::seccomp::compile(&v)),
            };
            Ok(Some(progs.map_err(ctx("seccomp profile"))?))
        }
        None => Ok(None),
    }
}

fn setup_and_exec(
    spec: &Spec,
    rootfs: &Rootfs,
    stdio: &Stdio,
    sock: &UnixStream,
    seccomp: Option<Vec<seccompiler::BpfProgram>>,
) -> Result<Never, InitError> {
    let process = spec
        .process()
        .as_ref()
        .ok_or_else(|| fail("runtime spec has no process"))?;
    let linux = spec.linux().as_ref();
    let namespaces = linux
        .and_then(|l| l.namespaces().clone())
        .unwrap_or_default();
    let has_ns = |t: oci_spec::runtime::LinuxNamespaceType| namespaces.iter().any(|n| n.typ() == t);

    let sys = &Linux;
    // Signals: the monitor blocks some for its signalfd; the container starts clean.
    let _ = nix::sys::signal::sigprocmask(
        nix::sys::signal::SigmaskHow::SIG_SETMASK,
        Some(&nix::sys::signal::SigSet::empty()),
        None,
    );
    for sig in [
        nix::sys::signal::Signal::SIGPIPE,
        nix::sys::signal::Signal::SIGINT,
        nix::sys::signal::Signal::SIGQUIT,
    ] {
        // SAFETY: restoring the default disposition; no handler code is involved.
        unsafe {
            let _ = nix::sys::signal::signal(sig, nix::sys::signal::SigHandler::SigDfl);
        }
    }
    cgroup_and_uts(sys, spec)?;
    if has_ns(oci_spec::runtime::LinuxNamespaceType::Network) {
        loopback_up().map_err(ctx("bringing up lo"))?;
    }

    // Mounts: private propagation, then the overlay root, then the spec's mounts inside it.
    mounts::make_root_private(sys)?;
    mount_rootfs(rootfs, sock)?;
    let root = rootfs.target.as_path();
    mounts::mount_into_root(sys, spec, root)?;
    // The terminal, created in the container's own devpts so the container sees it as its own.
    let pty_slave = if matches!(stdio, Stdio::Tty) {
        Some(open_pty(root, sock)?)
    } else {
        None
    };
    mounts::pivot(sys, root)?;
    mounts::protect_paths(sys, spec, Path::new("/"))?;

    // Standard streams.
    nix::unistd::setsid().map_err(ctx("setsid"))?;
    match (stdio, pty_slave) {
        (Stdio::Tty, Some(slave)) => {
            // SAFETY: TIOCSCTTY on a terminal descriptor we own; makes it our controlling tty.
            if unsafe { libc::ioctl(slave, libc::TIOCSCTTY, 0) } < 0 {
                return Err(fail(format!(
                    "TIOCSCTTY: {}",
                    std::io::Error::last_os_error()
                )));
            }
            dup_onto(slave, &[0, 1, 2])?;
        }
        (
            Stdio::Fds {
                stdin,
                stdout,
                stderr,
            },
            _,
        ) => {
            dup_to(*stdin, 0)?;
            dup_to(*stdout, 1)?;
            dup_to(*stderr, 2)?;
        }
        _ => return Err(fail("no terminal")),
    }

    // Working directory, created if missing (as runc does), while we are still root.
    let cwd = process.cwd();
    if !cwd.as_os_str().is_empty() {
        let _ = std::fs::create_dir_all(cwd);
        nix::unistd::chdir(cwd).map_err(|e| InitError {
            code: crate::exit::ENGINE,
            message: format!(
                "chdir to cwd (\"{}\") set in config.json failed: {e}",
                cwd.display()
            ),
        })?;
    }

    let no_new_privs = process.no_new_privileges() == Some(true);

    // Resource limits (--ulimit), while we still have CAP_SYS_RESOURCE in the namespace.
    for rl in process.rlimits().as_deref().unwrap_or_default() {
        let name = serde_json::to_value(rl.typ())
            .ok()
            .and_then(|v| v.as_str().map(String::from))
            .unwrap_or_default();
        set_rlimit(sys, &name, rl.soft(), rl.hard())?;
    }

    // --oom-score-adj. Unprivileged, the kernel takes only values at or above the current one.
    if let Some(adj) = process.oom_score_adj() {
        std::fs::write("/proc/self/oom_score_adj", adj.to_string()).map_err(|e| {
            fail(format!(
                "setting oom_score_adj to {adj}: {e} (without privileges it can only be raised)"
            ))
        })?;
    }

    // The barrier: the monitor lets us go on once the network is ready (its helpers started
    // while we mounted; see `runtime::create`).
    {
        let mut s = sock;
        s.write_all(&[super::BARRIER])
            .map_err(ctx("waiting for the network"))?;
        let mut b = [0u8; 1];
        s.read_exact(&mut b)
            .map_err(ctx("waiting for the network"))?;
        if b[0] != super::GO_ON {
            return Err(fail("the monitor did not let the container start"));
        }
    }

    // Credentials and capabilities.
    let keep = bounding_set(process);
    drop_bounding(sys, &keep);
    // The exec trampoline (CVE-2019-5736), made before the filter is installed.
    let tramp = super::trampoline::create();
    // Without no_new_privs the kernel wants CAP_SYS_ADMIN (in our user namespace) to install
    // a filter: do it now, while we have it; the profile allows the calls that follow.
    if let (Some(progs), false) = (&seccomp, no_new_privs) {
        super::seccomp::install(progs).map_err(fail)?;
    }
    set_ids_and_caps(sys, process, &keep)?;
    if no_new_privs {
        let _ = sys.set_no_new_privs();
        // Last, right before exec (and before --init's fork, so the init is filtered too).
        if let Some(progs) = &seccomp {
            super::seccomp::install(progs).map_err(fail)?;
        }
    }

    // --init: this process stays as PID 1 (reaping, forwarding signals) and the command runs
    // in a child. No binary is needed inside the container: the init is this very process.
    let wants_init = spec
        .annotations()
        .as_ref()
        .and_then(|a| a.get(super::spec::INIT_ANNOTATION))
        .is_some_and(|v| v == "true");
    if wants_init {
        become_init(sock)?;
    }

    // Exec.
    let args = process.args().clone().unwrap_or_default();
    let env = process.env().clone().unwrap_or_default();
    exec_command(&args, &env, tramp.as_ref())
}

/// The cgroup namespace (made now that the monitor has moved this process into the
/// container's cgroup: the container sees that cgroup as its root, "0::/"), then the UTS
/// namespace's host and domain names.
fn cgroup_and_uts(sys: &dyn Syscall, spec: &Spec) -> Result<(), InitError> {
    use oci_spec::runtime::LinuxNamespaceType;
    let has_ns = |t: LinuxNamespaceType| {
        spec.linux()
            .as_ref()
            .and_then(|l| l.namespaces().as_ref())
            .is_some_and(|ns| ns.iter().any(|n| n.typ() == t))
    };
    if has_ns(LinuxNamespaceType::Cgroup) {
        sys.unshare(nix::sched::CloneFlags::CLONE_NEWCGROUP)
            .map_err(ctx("making the cgroup namespace"))?;
    }
    if has_ns(LinuxNamespaceType::Uts) {
        if let Some(h) = spec.hostname() {
            sys.sethostname(h).map_err(ctx("sethostname"))?;
        }
        if let Some(d) = spec.domainname().as_deref().filter(|d| !d.is_empty()) {
            sys.setdomainname(d).map_err(|e| {
                fail(format!(
                    "setdomainname: {}",
                    std::io::Error::from_raw_os_error(e as i32)
                ))
            })?;
        }
    }
    Ok(())
}

/// The capabilities of the spec's bounding set.
fn bounding_set(process: &oci_spec::runtime::Process) -> Vec<caps::Capability> {
    caps_of(
        process
            .capabilities()
            .as_ref()
            .and_then(|c| c.bounding().as_ref()),
    )
}

fn caps_of(set: Option<&oci_spec::runtime::Capabilities>) -> Vec<caps::Capability> {
    set.map(|s| {
        s.iter()
            .filter_map(|c| serde_json::to_value(c).ok())
            .filter_map(|v| v.as_str().and_then(|s| s.parse().ok()))
            .collect()
    })
    .unwrap_or_default()
}

/// Drop every capability but `keep` from the bounding set.
fn drop_bounding(sys: &dyn Syscall, keep: &[caps::Capability]) {
    for cap in caps::all() {
        if !keep.contains(&cap) {
            let _ = sys.drop_bounding(cap);
        }
    }
}

/// The spec's groups, gid and uid, then the capabilities that remain: effective and permitted
/// as the bounding set for root, the spec's inheritable set, no ambient ones.
fn set_ids_and_caps(
    sys: &dyn Syscall,
    process: &oci_spec::runtime::Process,
    keep: &[caps::Capability],
) -> Result<(), InitError> {
    let user = process.user();
    if let Some(groups) = user.additional_gids() {
        let gids: Vec<nix::unistd::Gid> = groups
            .iter()
            .map(|g| nix::unistd::Gid::from_raw(*g))
            .collect();
        // Denied (EPERM) with a single-id mapping, where setgroups is off: keep going as docker's
        // rootless mode does.
        let _ = sys.setgroups(&gids);
    }
    // (uid_t)-1 means "unchanged" to setresuid: never let it keep us root.
    if user.uid() > i32::MAX as u32 || user.gid() > i32::MAX as u32 {
        return Err(fail("uids and gids must be in range 0-2147483647"));
    }
    sys.setresgid(nix::unistd::Gid::from_raw(user.gid()))
        .map_err(ctx(format!("setgid {}", user.gid())))?;
    sys.setresuid(nix::unistd::Uid::from_raw(user.uid()))
        .map_err(ctx(format!("setuid {}", user.uid())))?;
    let set: caps::CapsHashSet = keep.iter().copied().collect();
    // The inheritable set is the spec's (empty, as moby's since CVE-2022-24769).
    let inheritable: caps::CapsHashSet = caps_of(
        process
            .capabilities()
            .as_ref()
            .and_then(|c| c.inheritable().as_ref()),
    )
    .into_iter()
    .filter(|c| set.contains(c))
    .collect();
    if user.uid() == 0 {
        let _ = sys.set_caps(caps::CapSet::Effective, &set);
        let _ = sys.set_caps(caps::CapSet::Permitted, &set);
    }
    sys.set_caps(caps::CapSet::Inheritable, &inheritable)
        .map_err(|e| fail(format!("setting the inheritable capabilities: {e}")))?;
    let _ = sys.clear_ambient();
    Ok(())
}

/// execve `args` (looked up in the container's PATH) with `env`: returns only on failure, with
/// docker's exit code (127 not found, 126 cannot execute).
/// With `tramp` (see `trampoline`), the exec goes through it, so that `/proc/self/exe` is
/// never skiff's binary when the command starts.
pub(super) fn exec_command(
    args: &[String],
    env: &[String],
    tramp: Option<&OwnedFd>,
) -> Result<Never, InitError> {
    let arg0 = args.first().ok_or_else(|| fail("no command specified"))?;
    let path = find_executable(arg0, env)?;
    let c_path = CString::new(path.as_os_str().as_encoded_bytes()).map_err(ctx("command"))?;
    let c_args: Vec<CString> = args
        .iter()
        .map(|a| CString::new(a.as_bytes()))
        .collect::<Result<_, _>>()
        .map_err(ctx("arguments"))?;
    let c_env: Vec<CString> = env
        .iter()
        .map(|a| CString::new(a.as_bytes()))
        .collect::<Result<_, _>>()
        .map_err(ctx("environment"))?;
    let mut errno = match tramp {
        Some(t) => super::trampoline::exec(t.as_raw_fd(), &c_path, &c_args, &c_env),
        None => nix::errno::Errno::ENOSYS,
    };
    if tramp.is_none() || matches!(errno, nix::errno::Errno::ENOSYS | nix::errno::Errno::EPERM) {
        // No trampoline here, or a custom seccomp profile without execveat.
        errno = nix::unistd::execve(&c_path, &c_args, &c_env)
            .err()
            .unwrap_or(nix::errno::Errno::UnknownErrno);
    }
    let code = crate::exit::for_exec_errno(errno);
    Err(InitError {
        code,
        message: format!(
            "exec: \"{arg0}\": {}",
            std::io::Error::from_raw_os_error(errno as i32)
                .to_string()
                .split(" (os error")
                .next()
                .unwrap_or_default()
                .to_lowercase()
        ),
    })
}

/// Fork: the child returns (and goes on to exec the command); this process becomes a minimal
/// init that forwards signals to it, reaps every zombie, and exits as the command does.
fn become_init(sock: &UnixStream) -> Result<(), InitError> {
    use nix::sys::signal::SigSet;
    let all = SigSet::all();
    all.thread_block()
        .map_err(ctx("blocking signals in init"))?;
    // SAFETY: this process is single-threaded (a clone of the single-threaded monitor).
    match unsafe { nix::unistd::fork() }.map_err(ctx("fork for --init"))? {
        nix::unistd::ForkResult::Child => {
            let _ = SigSet::empty().thread_set_mask();
            Ok(())
        }
        nix::unistd::ForkResult::Parent { child } => {
            // The child reports exec errors; our copy of the socket must not hold it open.
            let _ = nix::unistd::close(sock.as_raw_fd());
            for fd in 0..3 {
                let _ = nix::unistd::close(fd);
            }
            // libc rather than nix's `Signal` here: real-time signals (`kill -s 64`, RTMIN+n)
            // must be forwarded, and a child they end must be reaped.
            loop {
                let mut sig: libc::c_int = 0;
                // SAFETY: sigwait reads our signal set and writes the number into `sig`.
                if unsafe { libc::sigwait(all.as_ref(), &mut sig) } != 0 {
                    continue;
                }
                if sig != libc::SIGCHLD {
                    // SAFETY: kill(2) takes plain integers.
                    unsafe { libc::kill(child.as_raw(), sig) };
                    continue;
                }
                loop {
                    let mut status: libc::c_int = 0;
                    // SAFETY: waitpid writes the status into our integer.
                    let pid = unsafe { libc::waitpid(-1, &mut status, libc::WNOHANG) };
                    if pid <= 0 {
                        break;
                    }
                    if pid == child.as_raw() {
                        if libc::WIFEXITED(status) {
                            // SAFETY: leaving the init without running destructors.
                            unsafe { libc::_exit(libc::WEXITSTATUS(status)) }
                        }
                        if libc::WIFSIGNALED(status) {
                            // SAFETY: as above.
                            unsafe { libc::_exit(128 + libc::WTERMSIG(status)) }
                        }
                    }
                }
            }
        }
    }
}

fn set_rlimit(sys: &dyn Syscall, name: &str, soft: u64, hard: u64) -> Result<(), InitError> {
    let resource = match name {
        "RLIMIT_AS" => libc::RLIMIT_AS,
        "RLIMIT_CORE" => libc::RLIMIT_CORE,
        "RLIMIT_CPU" => libc::RLIMIT_CPU,
        "RLIMIT_DATA" => libc::RLIMIT_DATA,
        "RLIMIT_FSIZE" => libc::RLIMIT_FSIZE,
        "RLIMIT_LOCKS" => libc::RLIMIT_LOCKS,
        "RLIMIT_MEMLOCK" => libc::RLIMIT_MEMLOCK,
        "RLIMIT_MSGQUEUE" => libc::RLIMIT_MSGQUEUE,
        "RLIMIT_NICE" => libc::RLIMIT_NICE,
        "RLIMIT_NOFILE" => libc::RLIMIT_NOFILE,
        "RLIMIT_NPROC" => libc::RLIMIT_NPROC,
        "RLIMIT_RSS" => libc::RLIMIT_RSS,
        "RLIMIT_RTPRIO" => libc::RLIMIT_RTPRIO,
        "RLIMIT_RTTIME" => libc::RLIMIT_RTTIME,
        "RLIMIT_SIGPENDING" => libc::RLIMIT_SIGPENDING,
        "RLIMIT_STACK" => libc::RLIMIT_STACK,
        other => return Err(fail(format!("unknown rlimit {other}"))),
    };
    sys.setrlimit(resource, soft, hard).map_err(|e| {
        fail(format!(
            "setting {name} to {soft}:{hard}: {e} (a rootless container cannot raise a hard limit above the host's)"
        ))
    })
}

/// Search the container's PATH as execvp would, telling "not found" (127) from "cannot
/// execute" (126).
pub(super) fn find_executable(arg0: &str, env: &[String]) -> Result<PathBuf, InitError> {
    let is_exec = |p: &Path| nix::unistd::access(p, nix::unistd::AccessFlags::X_OK).is_ok();
    if arg0.contains('/') {
        let p = PathBuf::from(arg0);
        return match std::fs::metadata(&p) {
            Err(_) => Err(InitError {
                code: crate::exit::NOT_FOUND,
                message: format!("exec: \"{arg0}\": stat {arg0}: no such file or directory"),
            }),
            Ok(m) if m.is_dir() || !is_exec(&p) => Err(InitError {
                code: crate::exit::CANNOT_EXECUTE,
                message: format!("exec: \"{arg0}\": permission denied"),
            }),
            Ok(_) => Ok(p),
        };
    }
    let path_var = env
        .iter()
        .find_map(|e| e.strip_prefix("PATH="))
        .unwrap_or("/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
    let mut denied = false;
    for dir in path_var.split(':').filter(|d| !d.is_empty()) {
        let p = Path::new(dir).join(arg0);
        if let Ok(m) = std::fs::metadata(&p) {
            if m.is_file() && is_exec(&p) {
                return Ok(p);
            }
            denied = true;
        }
    }
    if denied {
        return Err(InitError {
            code: crate::exit::CANNOT_EXECUTE,
            message: format!("exec: \"{arg0}\": permission denied"),
        });
    }
    Err(InitError {
        code: crate::exit::NOT_FOUND,
        message: format!("exec: \"{arg0}\": executable file not found in $PATH"),
    })
}

pub(super) fn dup_to(fd: RawFd, target: RawFd) -> Result<(), InitError> {
    if fd == target {
        // Clear O_CLOEXEC, if any, so it survives exec.
        let _ = nix::fcntl::fcntl(
            // SAFETY: borrowing a descriptor number that stays open for this call.
            unsafe { std::os::fd::BorrowedFd::borrow_raw(fd) },
            nix::fcntl::FcntlArg::F_SETFD(nix::fcntl::FdFlag::empty()),
        );
        return Ok(());
    }
    // SAFETY: dup2 on descriptor numbers; the target is one of 0, 1, 2.
    if unsafe { libc::dup2(fd, target) } < 0 {
        return Err(fail(format!("dup2: {}", std::io::Error::last_os_error())));
    }
    Ok(())
}

pub(super) fn dup_onto(fd: RawFd, targets: &[RawFd]) -> Result<(), InitError> {
    for t in targets {
        dup_to(fd, *t)?;
    }
    if !targets.contains(&fd) {
        let _ = nix::unistd::close(fd);
    }
    Ok(())
}

/// Mount the root file system; a FUSE connection goes to the parent, which starts its server
/// (the first look into the tree waits for it).
fn mount_rootfs(rootfs: &Rootfs, sock: &UnixStream) -> Result<(), InitError> {
    if let Some(fuse) = rootfs.mount().map_err(fail)? {
        crate::sys::fd::send_with_fd(sock, b'F', fuse.as_fd())
            .map_err(ctx("handing the FUSE connection to its server"))?;
    }
    Ok(())
}

/// Open a new pty in the container's devpts, send the master to the parent, return the slave.
pub(super) fn open_pty(root: &Path, sock: &UnixStream) -> Result<RawFd, InitError> {
    let root_fd = inroot::open_root(root).map_err(ctx("opening the container's root"))?;
    let master = inroot::open(
        root_fd.as_fd(),
        Path::new("/dev/pts/ptmx"),
        OFlag::O_RDWR | OFlag::O_NOCTTY,
    )
    .map_err(ctx("opening the container's /dev/pts/ptmx"))?;
    let mfd = master.as_raw_fd();
    let mut unlock: libc::c_int = 0;
    // SAFETY: TIOCSPTLCK with a pointer to a local int, on the master we own.
    if unsafe { libc::ioctl(mfd, libc::TIOCSPTLCK, &mut unlock) } < 0 {
        return Err(fail(format!(
            "unlockpt: {}",
            std::io::Error::last_os_error()
        )));
    }
    // SAFETY: TIOCGPTPEER opens the slave of our master and returns a new descriptor.
    let slave = unsafe { libc::ioctl(mfd, libc::TIOCGPTPEER, libc::O_RDWR | libc::O_NOCTTY) };
    if slave < 0 {
        return Err(fail(format!(
            "opening the terminal: {}",
            std::io::Error::last_os_error()
        )));
    }
    crate::sys::fd::send_with_fd(sock, b'T', master.as_fd())
        .map_err(ctx("sending the terminal"))?;
    drop(master);
    Ok(slave)
}

/// Bring up `lo` in a new network namespace (SIOCSIFFLAGS).
fn loopback_up() -> std::io::Result<()> {
    let sock = nix::sys::socket::socket(
        nix::sys::socket::AddressFamily::Inet,
        nix::sys::socket::SockType::Datagram,
        nix::sys::socket::SockFlag::SOCK_CLOEXEC,
        None,
    )?;
    // SAFETY: ifreq is plain old data; zeroed is a valid value.
    let mut ifr: libc::ifreq = unsafe { std::mem::zeroed() };
    for (i, b) in b"lo".iter().enumerate() {
        ifr.ifr_name[i] = *b as libc::c_char;
    }
    // SAFETY: SIOCGIFFLAGS/SIOCSIFFLAGS read and write the ifreq we own.
    unsafe {
        if libc::ioctl(sock.as_raw_fd(), libc::SIOCGIFFLAGS, &mut ifr) < 0 {
            return Err(std::io::Error::last_os_error());
        }
        ifr.ifr_ifru.ifru_flags |= (libc::IFF_UP | libc::IFF_RUNNING) as libc::c_short;
        if libc::ioctl(sock.as_raw_fd(), libc::SIOCSIFFLAGS, &ifr) < 0 {
            return Err(std::io::Error::last_os_error());
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runtime::syscall::{Call, Recorder};
    use caps::Capability::{CAP_CHOWN, CAP_KILL};
    use serde_json::json;

    fn spec(v: serde_json::Value) -> Spec {
        serde_json::from_value(v).expect("a valid runtime spec")
    }

    fn process(v: serde_json::Value) -> oci_spec::runtime::Process {
        serde_json::from_value(v).expect("a valid process")
    }

    #[test]
    fn cgroup_namespace_then_host_and_domain_names() {
        let s = spec(json!({
            "ociVersion": "1.0.2",
            "hostname": "web1",
            "domainname": "example.org",
            "linux": {"namespaces": [{"type": "cgroup"}, {"type": "uts"}]}
        }));
        let sys = Recorder::default();
        cgroup_and_uts(&sys, &s).expect("namespaces");
        assert_eq!(
            sys.calls(),
            vec![
                Call::Unshare(nix::sched::CloneFlags::CLONE_NEWCGROUP),
                Call::Sethostname("web1".into()),
                Call::Setdomainname("example.org".into()),
            ]
        );
        // --uts host: the host's names are left alone.
        let s = spec(json!({"ociVersion": "1.0.2", "hostname": "web1"}));
        let sys = Recorder::default();
        cgroup_and_uts(&sys, &s).expect("namespaces");
        assert_eq!(sys.calls(), vec![]);
    }

    #[test]
    fn groups_then_gid_then_uid_then_capabilities() {
        let p = process(json!({
            "cwd": "/",
            "user": {"uid": 1000, "gid": 1000, "additionalGids": [10, 20]},
            "capabilities": {
                "bounding": ["CAP_CHOWN", "CAP_KILL"],
                "inheritable": ["CAP_KILL", "CAP_NET_RAW"]
            }
        }));
        let keep = bounding_set(&p);
        // The spec holds a set: any order.
        assert_eq!(keep.len(), 2);
        assert!(keep.contains(&CAP_CHOWN) && keep.contains(&CAP_KILL));
        let sys = Recorder::default();
        drop_bounding(&sys, &keep);
        let dropped = sys.calls();
        assert_eq!(dropped.len(), caps::all().len() - 2);
        assert!(!dropped.contains(&Call::DropBounding(CAP_CHOWN)));
        assert!(dropped.contains(&Call::DropBounding(caps::Capability::CAP_SYS_ADMIN)));

        let sys = Recorder::default();
        set_ids_and_caps(&sys, &p, &keep).expect("credentials");
        assert_eq!(
            sys.calls(),
            vec![
                Call::Setgroups(vec![10, 20]),
                Call::Setresgid(1000),
                Call::Setresuid(1000),
                // Inheritable: the spec's, within the bounding set; not root: nothing effective.
                Call::SetCaps("Inheritable".into(), vec![CAP_KILL]),
                Call::ClearAmbient,
            ]
        );
    }

    #[test]
    fn root_keeps_the_bounding_set_as_effective_and_permitted() {
        let p = process(json!({
            "cwd": "/",
            "user": {"uid": 0, "gid": 0},
            "capabilities": {"bounding": ["CAP_CHOWN", "CAP_KILL"]}
        }));
        let sys = Recorder::default();
        set_ids_and_caps(&sys, &p, &bounding_set(&p)).expect("credentials");
        assert_eq!(
            sys.calls(),
            vec![
                Call::Setresgid(0),
                Call::Setresuid(0),
                Call::SetCaps("Effective".into(), vec![CAP_CHOWN, CAP_KILL]),
                Call::SetCaps("Permitted".into(), vec![CAP_CHOWN, CAP_KILL]),
                Call::SetCaps("Inheritable".into(), vec![]),
                Call::ClearAmbient,
            ]
        );
    }

    #[test]
    fn an_id_of_minus_one_never_leaves_the_process_root() {
        let p = process(json!({"cwd": "/", "user": {"uid": 4294967295u32, "gid": 0}}));
        let sys = Recorder::default();
        let e = set_ids_and_caps(&sys, &p, &[]).expect_err("refused");
        assert_eq!(e.message, "uids and gids must be in range 0-2147483647");
        assert_eq!(e.code, crate::exit::ENGINE);
        assert!(!sys
            .calls()
            .iter()
            .any(|c| matches!(c, Call::Setresuid(_) | Call::Setresgid(_))));
    }

    #[test]
    fn rlimits_by_name() {
        let sys = Recorder::default();
        set_rlimit(&sys, "RLIMIT_NOFILE", 1024, 2048).expect("nofile");
        assert_eq!(
            sys.calls(),
            vec![Call::Setrlimit(libc::RLIMIT_NOFILE, 1024, 2048)]
        );
        let e = set_rlimit(&sys, "RLIMIT_BOGUS", 1, 1).expect_err("refused");
        assert_eq!(e.message, "unknown rlimit RLIMIT_BOGUS");
    }
}
