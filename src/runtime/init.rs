//! The container's side of `create`: runs in the cloned child, inside the new namespaces,
//! and ends in execve or _exit. Errors go back to the parent as `CODE\tMESSAGE`.
use std::ffi::CString;
use std::io::{Read, Write};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, OwnedFd, RawFd};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};

use nix::fcntl::OFlag;
use nix::mount::{mount, umount2, MntFlags, MsFlags};
use nix::sys::stat::SFlag;
use oci_spec::runtime::Spec;

use super::{inroot, Rootfs, Stdio};

/// An error on the way to exec: the message and docker's exit code for it.
pub(super) struct InitError {
    pub(super) code: i32,
    pub(super) message: String,
}

pub(super) fn fail(message: impl Into<String>) -> InitError {
    InitError {
        code: crate::exit::ENGINE,
        message: message.into(),
    }
}

pub(super) fn ctx<E: std::fmt::Display>(what: impl Into<String>) -> impl FnOnce(E) -> InitError {
    let what = what.into();
    move |e| fail(format!("{what}: {e}"))
}

/// The child's entry point. Never returns on success (execve); returns the process exit status
/// after reporting an error to the parent.
pub fn child_main(spec: &Spec, rootfs: &Rootfs, stdio: &Stdio, sock_fd: RawFd) -> isize {
    // SAFETY: `sock_fd` is the child's end of the socketpair, owned by nobody else here.
    let mut sock = unsafe { UnixStream::from_raw_fd(sock_fd) };
    // Seccomp's BPF is compiled while the parent writes the id maps (newuidmap takes longer).
    let seccomp = compile_seccomp(spec);
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

/// The spec's seccomp profile as BPF programs, if it has one.
fn compile_seccomp(spec: &Spec) -> Result<Option<Vec<seccompiler::BpfProgram>>, InitError> {
    match spec.linux().as_ref().and_then(|l| l.seccomp().as_ref()) {
        Some(s) => {
            let v = serde_json::to_value(s).map_err(ctx("seccomp profile"))?;
            Ok(Some(
                super::seccomp::compile(&v).map_err(ctx("seccomp profile"))?,
            ))
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

    // A private cgroup namespace, made now that the monitor has moved this process into the
    // container's cgroup: the container sees that cgroup as its root ("0::/").
    if has_ns(oci_spec::runtime::LinuxNamespaceType::Cgroup) {
        nix::sched::unshare(nix::sched::CloneFlags::CLONE_NEWCGROUP)
            .map_err(ctx("making the cgroup namespace"))?;
    }

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

    if has_ns(oci_spec::runtime::LinuxNamespaceType::Uts) {
        if let Some(h) = spec.hostname() {
            nix::unistd::sethostname(h).map_err(ctx("sethostname"))?;
        }
        if let Some(d) = spec.domainname().as_deref().filter(|d| !d.is_empty()) {
            set_domainname(d)?;
        }
    }
    if has_ns(oci_spec::runtime::LinuxNamespaceType::Network) {
        loopback_up().map_err(ctx("bringing up lo"))?;
    }

    // Mounts: private propagation, then the overlay root, then the spec's mounts inside it.
    super::mountops::make_root_private().map_err(ctx("making / private"))?;
    mount_rootfs(rootfs, sock)?;
    let root = rootfs.target.as_path();
    // Without --privileged the root file system is nodev: a device node there (made with
    // mknod, or brought by an image) opens nothing. The container's /dev has only the
    // host's nodes, bind-mounted.
    let allow_devices = spec
        .annotations()
        .as_ref()
        .and_then(|a| a.get(super::spec::ALLOW_DEVICES_ANNOTATION))
        .is_some_and(|v| v == "true");
    if !allow_devices {
        remount_bind(root, false, MsFlags::MS_NODEV)?;
    }
    // Every mount point, device and link below is resolved inside the root by the kernel.
    let root_fd = inroot::open_root(root).map_err(ctx("opening the root filesystem"))?;
    let rootless = has_ns(oci_spec::runtime::LinuxNamespaceType::User);
    for m in spec.mounts().as_deref().unwrap_or_default() {
        do_mount(root_fd.as_fd(), m, rootless)?;
    }
    for dev in linux.and_then(|l| l.devices().clone()).unwrap_or_default() {
        bind_device(root_fd.as_fd(), dev.path())?;
    }
    dev_links(root_fd.as_fd())?;
    // The terminal, created in the container's own devpts so the container sees it as its own.
    let pty_slave = if matches!(stdio, Stdio::Tty) {
        Some(open_pty(root, sock)?)
    } else {
        None
    };
    drop(root_fd);

    // pivot_root into the new root and detach the old one (runc's pivot_root(".", ".")).
    nix::unistd::chdir(root).map_err(ctx("chdir to the root filesystem"))?;
    nix::unistd::pivot_root(".", ".").map_err(ctx("pivot_root"))?;
    umount2(".", MntFlags::MNT_DETACH).map_err(ctx("detaching the old root"))?;
    nix::unistd::chdir("/").map_err(ctx("chdir /"))?;

    // Masked and read-only paths, as runc does them: after pivot_root, so that every path
    // resolves in the container and nowhere else.
    let masked = linux
        .and_then(|l| l.masked_paths().clone())
        .unwrap_or_default();
    let readonly = linux
        .and_then(|l| l.readonly_paths().clone())
        .unwrap_or_default();
    let sysctls = linux.and_then(|l| l.sysctl().clone()).unwrap_or_default();
    if !masked.is_empty() || !readonly.is_empty() || !sysctls.is_empty() {
        check_proc()?;
    }
    // --sysctl, before /proc/sys turns read-only.
    for (key, value) in &sysctls {
        write_sysctl(Path::new("/"), key, value)?;
    }
    if !masked.is_empty() {
        let devnull = container_devnull()?;
        for p in &masked {
            mask_path(p, &devnull)?;
        }
    }
    for p in &readonly {
        readonly_path(p)?;
    }
    if spec.root().as_ref().and_then(|r| r.readonly()) == Some(true) {
        remount_readonly(Path::new("/"))?;
    }

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
        set_rlimit(&name, rl.soft(), rl.hard())?;
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
    let user = process.user();
    let caps = process.capabilities().as_ref();
    let keep: Vec<caps::Capability> = caps
        .and_then(|c| c.bounding().clone())
        .unwrap_or_default()
        .iter()
        .filter_map(|c| serde_json::to_value(c).ok())
        .filter_map(|v| v.as_str().and_then(|s| s.parse().ok()))
        .collect();
    for cap in caps::all() {
        if !keep.contains(&cap) {
            let _ = caps::drop(None, caps::CapSet::Bounding, cap);
        }
    }
    // The exec trampoline (CVE-2019-5736), made before the filter is installed.
    let tramp = super::trampoline::create();
    // Without no_new_privs the kernel wants CAP_SYS_ADMIN (in our user namespace) to install
    // a filter: do it now, while we have it; the profile allows the calls that follow.
    if let (Some(progs), false) = (&seccomp, no_new_privs) {
        super::seccomp::install(progs).map_err(fail)?;
    }
    if let Some(groups) = user.additional_gids() {
        let gids: Vec<nix::unistd::Gid> = groups
            .iter()
            .map(|g| nix::unistd::Gid::from_raw(*g))
            .collect();
        // Denied (EPERM) with a single-id mapping, where setgroups is off: keep going as docker's
        // rootless mode does.
        let _ = nix::unistd::setgroups(&gids);
    }
    // (uid_t)-1 means "unchanged" to setresuid: never let it keep us root.
    if user.uid() > i32::MAX as u32 || user.gid() > i32::MAX as u32 {
        return Err(fail("uids and gids must be in range 0-2147483647"));
    }
    let gid = nix::unistd::Gid::from_raw(user.gid());
    let uid = nix::unistd::Uid::from_raw(user.uid());
    nix::unistd::setresgid(gid, gid, gid).map_err(ctx(format!("setgid {}", user.gid())))?;
    nix::unistd::setresuid(uid, uid, uid).map_err(ctx(format!("setuid {}", user.uid())))?;
    let set: caps::CapsHashSet = keep.iter().copied().collect();
    // The inheritable set is the spec's (empty, as moby's since CVE-2022-24769).
    let inheritable: caps::CapsHashSet = caps
        .and_then(|c| c.inheritable().clone())
        .unwrap_or_default()
        .iter()
        .filter_map(|c| serde_json::to_value(c).ok())
        .filter_map(|v| v.as_str().and_then(|s| s.parse().ok()))
        .filter(|c| set.contains(c))
        .collect();
    if user.uid() == 0 {
        let _ = caps::set(None, caps::CapSet::Effective, &set);
        let _ = caps::set(None, caps::CapSet::Permitted, &set);
    }
    caps::set(None, caps::CapSet::Inheritable, &inheritable)
        .map_err(|e| fail(format!("setting the inheritable capabilities: {e}")))?;
    let _ = caps::clear(None, caps::CapSet::Ambient);
    if no_new_privs {
        // SAFETY: prctl with integer arguments only.
        unsafe { libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) };
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

fn set_rlimit(name: &str, soft: u64, hard: u64) -> Result<(), InitError> {
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
    let lim = libc::rlimit {
        rlim_cur: soft,
        rlim_max: hard,
    };
    // SAFETY: setrlimit reads the rlimit struct we own.
    if unsafe { libc::setrlimit(resource, &lim) } != 0 {
        return Err(fail(format!(
            "setting {name} to {soft}:{hard}: {} (a rootless container cannot raise a hard limit above the host's)",
            std::io::Error::last_os_error()
        )));
    }
    Ok(())
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

/// The UTS namespace's NIS domain name (`--domainname`); nix has no wrapper for it.
fn set_domainname(name: &str) -> Result<(), InitError> {
    // SAFETY: setdomainname reads `len` bytes from a buffer that lives across the call.
    let r = unsafe { libc::setdomainname(name.as_ptr().cast(), name.len()) };
    if r < 0 {
        return Err(fail(format!(
            "setdomainname: {}",
            std::io::Error::last_os_error()
        )));
    }
    Ok(())
}

/// Write a kernel parameter of the container's namespaces under its /proc/sys (`--sysctl`).
fn write_sysctl(root: &Path, key: &str, value: &str) -> Result<(), InitError> {
    let rel = key.replace('.', "/");
    if rel.split('/').any(|c| c.is_empty() || c == "..") {
        return Err(fail(format!("invalid sysctl {key}")));
    }
    let path = root.join("proc/sys").join(rel);
    std::fs::write(&path, value.as_bytes())
        .map_err(|e| fail(format!("writing sysctl {key}={value}: {e}")))
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
        super::send_fd(sock, b'F', fuse.as_fd())
            .map_err(ctx("handing the FUSE connection to its server"))?;
    }
    Ok(())
}

fn do_mount(
    root: BorrowedFd<'_>,
    m: &oci_spec::runtime::Mount,
    rootless: bool,
) -> Result<(), InitError> {
    let destination = m.destination();
    let typ = m.typ().clone().unwrap_or_else(|| "bind".into());
    // procfs and sysfs only on an ordinary directory (runc's rule): a symlink there (in the
    // image) would move them, and the masks over them, somewhere else.
    if matches!(typ.as_str(), "proc" | "sysfs")
        || destination == Path::new("/proc")
        || destination == Path::new("/sys")
    {
        let kind = if typ == "bind" { "sysfs" } else { typ.as_str() };
        match inroot::open_no_symlinks(root, destination, OFlag::O_PATH) {
            Ok(fd) => {
                let st = nix::sys::stat::fstat(&fd).map_err(ctx(format!(
                    "checking the mount point {}",
                    destination.display()
                )))?;
                if st.st_mode & SFlag::S_IFMT.bits() != SFlag::S_IFDIR.bits() {
                    return Err(ordinary_dir_error(kind, destination));
                }
            }
            Err(nix::errno::Errno::ENOENT) => {}
            Err(nix::errno::Errno::ELOOP) | Err(nix::errno::Errno::ENOTDIR) => {
                return Err(ordinary_dir_error(kind, destination))
            }
            Err(e) => {
                return Err(fail(format!(
                    "checking the mount point {}: {e}",
                    destination.display()
                )))
            }
        }
    }
    let opts = m.options().clone().unwrap_or_default();
    let mut flags = MsFlags::empty();
    let mut data = Vec::new();
    let mut bind = typ == "bind";
    let mut readonly = false;
    let mut propagation = None;
    let mut copy_up = false;
    let mut chown = None;
    for o in &opts {
        match o.as_str() {
            "nosuid" => flags |= MsFlags::MS_NOSUID,
            "noexec" => flags |= MsFlags::MS_NOEXEC,
            "nodev" => flags |= MsFlags::MS_NODEV,
            "ro" => readonly = true,
            "rw" => {}
            "strictatime" => flags |= MsFlags::MS_STRICTATIME,
            "bind" => bind = true,
            "rbind" => {
                bind = true;
                flags |= MsFlags::MS_REC;
            }
            "private" => propagation = Some(MsFlags::MS_PRIVATE),
            "rprivate" => propagation = Some(MsFlags::MS_PRIVATE | MsFlags::MS_REC),
            "slave" => propagation = Some(MsFlags::MS_SLAVE),
            "rslave" => propagation = Some(MsFlags::MS_SLAVE | MsFlags::MS_REC),
            "shared" => propagation = Some(MsFlags::MS_SHARED),
            "rshared" => propagation = Some(MsFlags::MS_SHARED | MsFlags::MS_REC),
            s if s == super::spec::OPT_COPY_UP => copy_up = true,
            s if s.starts_with(super::spec::OPT_CHOWN) => {
                let ids = &s[super::spec::OPT_CHOWN.len()..];
                chown = ids
                    .split_once(':')
                    .and_then(|(u, g)| Some((u.parse::<u32>().ok()?, g.parse::<u32>().ok()?)));
                if chown.is_none() {
                    return Err(fail(format!("bad mount option {s}")));
                }
            }
            other => data.push(other.to_string()),
        }
    }
    let source = m.source().clone().unwrap_or_else(|| PathBuf::from(&typ));
    let set_propagation = |p: MsFlags| -> Result<(), InitError> {
        let fd = mounted(root, destination)?;
        mount(
            None::<&str>,
            &inroot::fd_path(&fd),
            None::<&str>,
            p,
            None::<&str>,
        )
        .map_err(ctx(format!(
            "setting the propagation of {}",
            destination.display()
        )))
    };
    if bind {
        let is_dir = std::fs::metadata(&source)
            .map(|m| m.is_dir())
            .unwrap_or(true);
        if copy_up && is_dir {
            // The image's content at the destination, if it is a directory there.
            if let Ok(from) = inroot::open(root, destination, OFlag::O_PATH | OFlag::O_DIRECTORY) {
                super::mountops::copy_up_from(from.as_fd(), &source).map_err(fail)?;
            }
        }
        if let Some((uid, gid)) = chown {
            super::mountops::chown_tree(&source, uid, gid).map_err(fail)?;
        }
        let kind = if is_dir {
            inroot::Kind::Dir
        } else {
            inroot::Kind::File
        };
        let target = inroot::make(root, destination, kind).map_err(fail)?;
        mount(
            Some(&source),
            &inroot::fd_path(&target),
            None::<&str>,
            MsFlags::MS_BIND | (flags & MsFlags::MS_REC),
            None::<&str>,
        )
        .map_err(ctx(format!(
            "bind-mounting {} on {}",
            source.display(),
            destination.display()
        )))?;
        let extra = flags & (MsFlags::MS_NOSUID | MsFlags::MS_NOEXEC | MsFlags::MS_NODEV);
        if readonly || !extra.is_empty() {
            let fd = mounted(root, destination)?;
            remount_bind(&inroot::fd_path(&fd), readonly, extra)?;
        }
        if let Some(p) = propagation {
            set_propagation(p)?;
        }
        return Ok(());
    }
    let target = inroot::make(root, destination, inroot::Kind::Dir).map_err(fail)?;
    let target_path = inroot::fd_path(&target);
    if readonly {
        flags |= MsFlags::MS_RDONLY;
    }
    let data_s = data.join(",");
    let res = mount(
        Some(&source),
        &target_path,
        Some(typ.as_str()),
        flags,
        Some(data_s.as_str()),
    );
    match res {
        Ok(()) => {
            if let Some((uid, gid)) = chown {
                let fd = mounted(root, destination)?;
                super::mountops::chown_tree_at(fd.as_fd(), uid, gid)
                    .map_err(|e| fail(format!("chown {}: {e}", destination.display())))?;
            }
            if let Some(p) = propagation {
                set_propagation(p)?;
            }
            Ok(())
        }
        Err(e) if rootless && typ == "sysfs" => {
            // No network namespace of our own: bind the host's /sys read-only instead.
            tracing::debug!("sysfs mount refused ({e}), binding /sys");
            mount(
                Some("/sys"),
                &target_path,
                None::<&str>,
                MsFlags::MS_BIND | MsFlags::MS_REC,
                None::<&str>,
            )
            .map_err(ctx("binding /sys"))?;
            let fd = mounted(root, destination)?;
            remount_readonly(&inroot::fd_path(&fd))
        }
        Err(e) if typ == "mqueue" && rootless => {
            tracing::debug!("mqueue mount refused ({e}), skipped");
            Ok(())
        }
        Err(e) => Err(fail(format!(
            "mounting {typ} on {}: {e}",
            destination.display()
        ))),
    }
}

/// runc's refusal of a /proc or /sys that is not an ordinary directory.
fn ordinary_dir_error(typ: &str, dest: &Path) -> InitError {
    fail(format!(
        "error mounting \"{typ}\" to rootfs at \"{}\": filesystem \"{typ}\" must be mounted on ordinary directory (the image has a symlink or a file there)",
        dest.display()
    ))
}

/// The mount now at `dest` (resolved again: a descriptor taken before the mount holds the
/// directory under it).
fn mounted(root: BorrowedFd<'_>, dest: &Path) -> Result<OwnedFd, InitError> {
    inroot::open(root, dest, OFlag::O_PATH)
        .map_err(ctx(format!("opening the mount point {}", dest.display())))
}

/// Remount a bind mount read-only, keeping the flags the kernel locks in a user namespace.
pub(super) fn remount_readonly(dest: &Path) -> Result<(), InitError> {
    remount_bind(dest, true, MsFlags::empty())
}

/// Remount a bind mount with `extra` flags (and read-only if asked), keeping the flags the
/// kernel locks in a user namespace.
pub(super) fn remount_bind(dest: &Path, readonly: bool, extra: MsFlags) -> Result<(), InitError> {
    let st =
        nix::sys::statvfs::statvfs(dest).map_err(ctx(format!("statvfs {}", dest.display())))?;
    let f = st.flags();
    let mut flags = MsFlags::MS_BIND | MsFlags::MS_REMOUNT | extra;
    if readonly {
        flags |= MsFlags::MS_RDONLY;
    }
    use nix::sys::statvfs::FsFlags;
    for (sf, mf) in [
        (FsFlags::ST_RDONLY, MsFlags::MS_RDONLY),
        (FsFlags::ST_NOSUID, MsFlags::MS_NOSUID),
        (FsFlags::ST_NODEV, MsFlags::MS_NODEV),
        (FsFlags::ST_NOEXEC, MsFlags::MS_NOEXEC),
        (FsFlags::ST_NOATIME, MsFlags::MS_NOATIME),
        (FsFlags::ST_NODIRATIME, MsFlags::MS_NODIRATIME),
        (FsFlags::ST_RELATIME, MsFlags::MS_RELATIME),
    ] {
        if f.contains(sf) {
            flags |= mf;
        }
    }
    mount(None::<&str>, dest, None::<&str>, flags, None::<&str>)
        .map_err(ctx(format!("remounting {}", dest.display())))
}

/// Bind the host's device node `dev` at the same path in the container (resolved inside it).
fn bind_device(root: BorrowedFd<'_>, dev: &Path) -> Result<(), InitError> {
    if std::fs::metadata(dev).is_err() {
        return Ok(());
    }
    let target = inroot::make(root, dev, inroot::Kind::File).map_err(fail)?;
    mount(
        Some(dev),
        &inroot::fd_path(&target),
        None::<&str>,
        MsFlags::MS_BIND,
        None::<&str>,
    )
    .map_err(ctx(format!("binding {}", dev.display())))
}

/// /dev's usual links (`fd`, `stdin`…, `ptmx`), made in the container's /dev wherever it
/// resolves inside the root.
fn dev_links(root: BorrowedFd<'_>) -> Result<(), InitError> {
    let dev = inroot::open(root, Path::new("/dev"), OFlag::O_PATH | OFlag::O_DIRECTORY)
        .map_err(ctx("opening the container's /dev"))?;
    for (link, target) in [
        ("fd", "/proc/self/fd"),
        ("stdin", "/proc/self/fd/0"),
        ("stdout", "/proc/self/fd/1"),
        ("stderr", "/proc/self/fd/2"),
        ("core", "/proc/kcore"),
        ("ptmx", "pts/ptmx"),
    ] {
        match nix::unistd::symlinkat(target, dev.as_fd(), link) {
            Ok(()) | Err(nix::errno::Errno::EEXIST) => {}
            Err(e) => return Err(fail(format!("creating /dev/{link}: {e}"))),
        }
    }
    Ok(())
}

/// After pivot_root: `/proc` must be the procfs mounted above (checked, so that the masks go
/// where they belong).
fn check_proc() -> Result<(), InitError> {
    let st = nix::sys::statfs::statfs("/proc").map_err(ctx("statfs /proc"))?;
    if st.filesystem_type() != nix::sys::statfs::PROC_SUPER_MAGIC {
        return Err(fail(
            "/proc in the container is not procfs: refusing to start",
        ));
    }
    Ok(())
}

/// The container's /dev/null (bound from the host's above), checked to be the null device: the
/// source of the masks over files (a bind from outside the new root is not allowed any more).
fn container_devnull() -> Result<OwnedFd, InitError> {
    let fd = nix::fcntl::open(
        "/dev/null",
        OFlag::O_PATH | OFlag::O_NOFOLLOW | OFlag::O_CLOEXEC,
        nix::sys::stat::Mode::empty(),
    )
    .map_err(ctx("opening the container's /dev/null"))?;
    let st = nix::sys::stat::fstat(&fd).map_err(ctx("stat /dev/null"))?;
    if st.st_mode & SFlag::S_IFMT.bits() != SFlag::S_IFCHR.bits()
        || st.st_rdev != nix::sys::stat::makedev(1, 3)
    {
        return Err(fail("the container's /dev/null is not the null device"));
    }
    Ok(fd)
}

/// Hide `p` (after pivot_root, so it resolves in the container): /dev/null over a file, an
/// empty read-only tmpfs over a directory. A path this kernel does not have needs nothing;
/// any other failure stops the start.
fn mask_path(p: &str, devnull: &OwnedFd) -> Result<(), InitError> {
    let meta = match std::fs::metadata(p) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(fail(format!("masking {p}: {e}"))),
    };
    let res = if meta.is_dir() {
        mount(
            Some("tmpfs"),
            p,
            Some("tmpfs"),
            MsFlags::MS_RDONLY | MsFlags::MS_NOSUID | MsFlags::MS_NODEV | MsFlags::MS_NOEXEC,
            None::<&str>,
        )
    } else {
        mount(
            Some(&inroot::fd_path(devnull)),
            p,
            None::<&str>,
            MsFlags::MS_BIND,
            None::<&str>,
        )
    };
    res.map_err(ctx(format!("masking {p}")))
}

/// Make `p` read-only (after pivot_root); a missing path needs nothing.
fn readonly_path(p: &str) -> Result<(), InitError> {
    match std::fs::symlink_metadata(p) {
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(fail(format!("making {p} read-only: {e}"))),
    }
    mount(
        Some(p),
        p,
        None::<&str>,
        MsFlags::MS_BIND | MsFlags::MS_REC,
        None::<&str>,
    )
    .map_err(ctx(format!("binding {p}")))?;
    remount_readonly(Path::new(p))
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
    super::send_fd(sock, b'T', master.as_fd()).map_err(ctx("sending the terminal"))?;
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
