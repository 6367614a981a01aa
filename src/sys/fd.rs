//! Raw descriptors, handled safely for the rest of skiff: whole writes to a pty or pipe,
//! taking ownership of descriptors inherited from the parent (socket activation, the API
//! service's resize pipe) or received over a socket, handing descriptors to a child process
//! at fixed numbers, setting a file's times through an `O_PATH` descriptor, and starting a
//! file's writeback early.
use std::io;
use std::os::fd::{AsRawFd, BorrowedFd, FromRawFd, OwnedFd, RawFd};
use std::process::Command;

/// Write all of `data` to `fd`, retrying on EINTR and EAGAIN; gives up silently on any other
/// error (the reader is gone).
pub fn write_all(fd: RawFd, mut data: &[u8]) {
    // SAFETY: borrowing a descriptor that the caller keeps open for this call.
    let bfd = unsafe { BorrowedFd::borrow_raw(fd) };
    while !data.is_empty() {
        match nix::unistd::write(bfd, data) {
            Ok(0) => return,
            Ok(n) => data = &data[n..],
            Err(nix::errno::Errno::EINTR) | Err(nix::errno::Errno::EAGAIN) => continue,
            Err(_) => return,
        }
    }
}

/// Take ownership of descriptor `fd`, which this process inherited from its parent (systemd's
/// `LISTEN_FDS`, a pipe number passed in the environment), and make it close-on-exec so that
/// the programs skiff starts do not inherit it. Fails (EBADF) when `fd` is not open.
///
/// Call it once per inherited descriptor, early, before anything else in the process could
/// have opened or taken that number: the descriptor then belongs to nobody else.
pub fn adopt_inherited(fd: RawFd) -> io::Result<OwnedFd> {
    if fd < 0 {
        return Err(io::Error::from_raw_os_error(libc::EBADF));
    }
    // SAFETY: fcntl on a plain number: fails with EBADF when it is not an open descriptor.
    if unsafe { libc::fcntl(fd, libc::F_SETFD, libc::FD_CLOEXEC) } == -1 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: `fd` is open (fcntl succeeded) and, by this function's contract, inherited and
    // owned by nothing else in this process; ownership is taken exactly once.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

/// Have `cmd`'s child get each `(ours, theirs)` descriptor at number `theirs`, without the
/// close-on-exec flag (ours may have it: no other child started meanwhile inherits it). The
/// caller keeps every `ours` open until `cmd` is spawned.
pub fn pass_to_child(cmd: &mut Command, fds: &[(BorrowedFd<'_>, RawFd)]) {
    let fds: Vec<(RawFd, RawFd)> = fds.iter().map(|(f, t)| (f.as_raw_fd(), *t)).collect();
    // SAFETY: between fork and exec the closure calls only fcntl and dup2 (async-signal-safe)
    // and allocates nothing (the vector was built before the fork); the descriptors stay
    // open until spawn returns (the caller's borrow).
    unsafe {
        std::os::unix::process::CommandExt::pre_exec(cmd, move || {
            for &(ours, theirs) in &fds {
                let rc = if ours == theirs {
                    libc::fcntl(ours, libc::F_SETFD, 0)
                } else {
                    libc::dup2(ours, theirs)
                };
                if rc == -1 {
                    return Err(io::Error::last_os_error());
                }
            }
            Ok(())
        });
    }
}

/// Receive one message into `buf` from the socket `sock`, with the first descriptor it carries
/// (SCM_RIGHTS, received close-on-exec) as an owned descriptor; any further ones are closed.
/// The message's length and the descriptor.
pub fn recv_with_fd(sock: RawFd, buf: &mut [u8]) -> nix::Result<(usize, Option<OwnedFd>)> {
    use nix::sys::socket::{recvmsg, ControlMessageOwned, MsgFlags};
    let mut cmsg = nix::cmsg_space!([RawFd; 1]);
    let mut iov = [io::IoSliceMut::new(buf)];
    let m = recvmsg::<()>(sock, &mut iov, Some(&mut cmsg), MsgFlags::MSG_CMSG_CLOEXEC)?;
    let mut fd = None;
    for c in m.cmsgs()? {
        if let ControlMessageOwned::ScmRights(fds) = c {
            for f in fds {
                // SAFETY: the kernel just installed this descriptor in our table for this
                // message; nothing else owns it.
                let owned = unsafe { OwnedFd::from_raw_fd(f) };
                fd.get_or_insert(owned);
            }
        }
    }
    Ok((m.bytes, fd))
}

/// Send the one byte `byte` over the socket `sock`, carrying the descriptor `fd` with it
/// (SCM_RIGHTS): what [`recv_with_fd`] receives.
pub fn send_with_fd(
    sock: &std::os::unix::net::UnixStream,
    byte: u8,
    fd: BorrowedFd<'_>,
) -> io::Result<()> {
    let fds = [fd.as_raw_fd()];
    let cmsg = [nix::sys::socket::ControlMessage::ScmRights(&fds)];
    nix::sys::socket::sendmsg::<()>(
        sock.as_raw_fd(),
        &[io::IoSlice::new(&[byte])],
        &cmsg,
        nix::sys::socket::MsgFlags::empty(),
        None,
    )
    .map(|_| ())
    .map_err(io::Error::from)
}

/// Point this process's standard descriptors (0, 1, 2) at /dev/null, for a process that lets
/// go of its caller's terminal or pipes; they stay as they are where /dev/null cannot be
/// opened.
pub fn stdio_to_null() {
    if let Ok(null) = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/null")
    {
        let _ = nix::unistd::dup2_stdin(&null);
        let _ = nix::unistd::dup2_stdout(&null);
        let _ = nix::unistd::dup2_stderr(&null);
    }
}

/// Standard descriptors to /dev/null ([`stdio_to_null`]) and every other descriptor closed
/// but `keep`: a forked helper must not hold its parent's pipes (a container's output, a
/// ready pipe) open. Call in a process of its own, where nothing else uses those numbers.
pub fn detach_descriptors(keep: &[RawFd]) {
    stdio_to_null();
    let open: Vec<RawFd> = std::fs::read_dir("/proc/self/fd")
        .map(|rd| {
            rd.flatten()
                .filter_map(|e| e.file_name().to_str().and_then(|n| n.parse().ok()))
                .collect()
        })
        .unwrap_or_default();
    for fd in open.into_iter().filter(|&fd| fd > 2 && !keep.contains(&fd)) {
        let _ = nix::unistd::close(fd);
    }
}

/// Set the access and modification times of the file `fd` refers to (which may be an `O_PATH`
/// descriptor of a symlink: `utimensat` with `AT_EMPTY_PATH`). `UTIME_OMIT` keeps a time.
pub fn set_times(
    fd: BorrowedFd<'_>,
    atime: &nix::sys::time::TimeSpec,
    mtime: &nix::sys::time::TimeSpec,
) -> io::Result<()> {
    let times = [*atime.as_ref(), *mtime.as_ref()];
    // SAFETY: a valid descriptor, an empty C string and two timespecs; AT_EMPTY_PATH makes the
    // call act on the descriptor's file itself (a symlink too).
    let r = unsafe {
        libc::utimensat(
            fd.as_raw_fd(),
            c"".as_ptr(),
            times.as_ptr(),
            libc::AT_EMPTY_PATH,
        )
    };
    if r != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// Ignore SIGPIPE in this process, so that writing to a peer that left is an EPIPE error (a
/// long-running service). Programs started later get the default back (std's `Command`
/// resets it in the child).
pub fn ignore_sigpipe() {
    // SAFETY: SIG_IGN installs no handler code, so nothing can run in signal context.
    unsafe {
        let _ = nix::sys::signal::signal(
            nix::sys::signal::Signal::SIGPIPE,
            nix::sys::signal::SigHandler::SigIgn,
        );
    }
}

/// Start the writeback of `fd`'s dirty pages without waiting for it (`sync_file_range(2)` with
/// `SYNC_FILE_RANGE_WRITE`; nix has no wrapper). A hint only, so a failure is ignored: it
/// makes nothing durable (no metadata, no disk cache flush); a later `fsync` or `syncfs` does.
pub fn start_writeback(fd: BorrowedFd<'_>) {
    // SAFETY: sync_file_range only reads its integer arguments; `fd` is borrowed, so it stays
    // open for the call.
    let _ = unsafe { libc::sync_file_range(fd.as_raw_fd(), 0, 0, libc::SYNC_FILE_RANGE_WRITE) };
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;
    use std::os::fd::{AsFd, IntoRawFd};

    #[test]
    fn adopt_refuses_a_closed_number_and_sets_cloexec() {
        assert!(adopt_inherited(-1).is_err());
        let (r, _w) = nix::unistd::pipe().unwrap();
        let raw = r.into_raw_fd();
        let owned = adopt_inherited(raw).unwrap();
        let flags = nix::fcntl::fcntl(&owned, nix::fcntl::FcntlArg::F_GETFD).unwrap();
        assert_ne!(flags & libc::FD_CLOEXEC, 0);
    }

    #[test]
    fn child_gets_the_descriptor_at_its_number() {
        let (r, w) = nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC).unwrap();
        let mut cmd = Command::new("sh");
        cmd.args(["-c", "echo hello >&7"]);
        pass_to_child(&mut cmd, &[(w.as_fd(), 7)]);
        let status = cmd.status().unwrap();
        drop(w);
        assert!(status.success());
        let mut out = String::new();
        std::fs::File::from(r).read_to_string(&mut out).unwrap();
        assert_eq!(out, "hello\n");
    }

    #[test]
    fn set_times_through_an_o_path_descriptor() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("f");
        std::fs::write(&f, "x").unwrap();
        let fd = nix::fcntl::open(
            &f,
            nix::fcntl::OFlag::O_PATH | nix::fcntl::OFlag::O_CLOEXEC,
            nix::sys::stat::Mode::empty(),
        )
        .unwrap();
        let t = nix::sys::time::TimeSpec::new(1_000_000, 0);
        set_times(fd.as_fd(), &nix::sys::time::TimeSpec::UTIME_OMIT, &t).unwrap();
        let m = std::fs::metadata(&f).unwrap();
        assert_eq!(std::os::unix::fs::MetadataExt::mtime(&m), 1_000_000);
    }
}
