//! READ answered without copying the data through this process: the reply header is written
//! into a pipe, the file's pages are spliced in behind it (the pipe takes references to the
//! page cache, nothing is copied), and the pipe is spliced into /dev/fuse, where the kernel's
//! `fuse_dev_splice_write` copies the pages once, into the reader's. The copying path reads
//! into a buffer here and writes it to /dev/fuse: two copies of every byte.
//!
//! Written by hand because fuser 0.18 has no spliced reply: its `ReplyData` only writes a
//! buffer. The answer goes out on this server's own duplicate of the /dev/fuse descriptor
//! (the kernel finds a request by its unique id on the device it was read from, so the session
//! must not clone a device per thread), and the `ReplyData` is then retired unsent
//! ([`retire`]): exactly one answer per request.
//!
//! Small reads are copied (the splice path costs two more system calls, an `fstat` and the
//! header's `write`): `SKIFF_FUSE_SPLICE_MIN=BYTES` moves the threshold, `SKIFF_FUSE_NO_SPLICE=1`
//! turns splicing off, both for measuring.
use std::cell::RefCell;
use std::fs::File;
use std::os::fd::OwnedFd;

use fuser::ReplyData;
use nix::errno::Errno as NixErrno;
use nix::fcntl::{splice, FcntlArg, OFlag, SpliceFFlags};

/// Reads at least this large are spliced (measured: see docs/performance.md, "Storage").
const DEFAULT_MIN: usize = 32 * 1024;
/// The pipes the worker threads splice through: 256 KiB at first (a 128 KiB readahead
/// request, the usual READ, fits at any offset), grown for a larger READ up to 1 MiB, the most
/// an unprivileged process may ask for (`/proc/sys/fs/pipe-max-size`). Pipe pages count against
/// the user's `pipe-user-pages-soft` (16,384 pages): small pipes leave room for many servers.
const PIPE_BYTES: usize = 1 << 20;
const PIPE_MIN_BYTES: usize = 256 << 10;
const PAGE: usize = 4096;
/// The largest READ the kernel sends (the `max_read` mount option): the header's pipe slot
/// plus the data's pages, even at an unaligned offset, fit in a [`PIPE_BYTES`] pipe.
pub const MAX_READ: u32 = (PIPE_BYTES - 2 * PAGE) as u32;
/// `struct fuse_out_header`: len, error, unique.
const HEADER: usize = 16;

thread_local! {
    static PIPE: RefCell<Option<Pipe>> = const { RefCell::new(None) };
}

/// One worker thread's pipe, both ends non-blocking (nothing else reads it: a full pipe must
/// fail, not wait).
struct Pipe {
    read: OwnedFd,
    write: OwnedFd,
    /// Page-sized buffers it holds.
    slots: usize,
}

impl Pipe {
    fn new() -> nix::Result<Pipe> {
        let (read, write) = nix::unistd::pipe2(OFlag::O_CLOEXEC | OFlag::O_NONBLOCK)?;
        let bytes = nix::fcntl::fcntl(&write, FcntlArg::F_GETPIPE_SZ)?;
        Ok(Pipe {
            read,
            write,
            slots: usize::try_from(bytes).unwrap_or(0) / PAGE,
        })
    }

    /// Make room for `slots` buffers (call it empty). False if the kernel refuses: past the
    /// user's soft limit on pipe pages, or beyond `pipe-max-size`.
    fn reserve(&mut self, slots: usize) -> bool {
        if self.slots >= slots {
            return true;
        }
        let bytes = (slots * PAGE).next_power_of_two().max(PIPE_MIN_BYTES);
        if bytes > PIPE_BYTES {
            return false;
        }
        match nix::fcntl::fcntl(&self.write, FcntlArg::F_SETPIPE_SZ(bytes as i32)) {
            Ok(n) => self.slots = usize::try_from(n).unwrap_or(0) / PAGE,
            Err(_) => return false,
        }
        self.slots >= slots
    }

    /// The header, then `len` bytes of `file` from `offset`; an error if the file ends
    /// earlier (the header's length would be wrong: the pipe must then be thrown away).
    fn fill(&self, header: &[u8; HEADER], file: &File, offset: i64, len: usize) -> nix::Result<()> {
        if nix::unistd::write(&self.write, header)? != HEADER {
            return Err(NixErrno::EIO);
        }
        let mut off = offset;
        let mut left = len;
        while left > 0 {
            match splice(
                file,
                Some(&mut off),
                &self.write,
                None,
                left,
                SpliceFFlags::SPLICE_F_NONBLOCK,
            ) {
                Ok(0) => return Err(NixErrno::ENODATA),
                Ok(n) => left -= n,
                Err(NixErrno::EINTR) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }
}

/// The spliced READ path of one mounted connection.
pub struct Splicer {
    /// This server's duplicate of the /dev/fuse descriptor the session reads from.
    dev: OwnedFd,
    min: usize,
}

impl Splicer {
    /// `None` when `SKIFF_FUSE_NO_SPLICE` is set.
    pub fn new(dev: OwnedFd) -> Option<Splicer> {
        if std::env::var_os("SKIFF_FUSE_NO_SPLICE").is_some() {
            return None;
        }
        let min = std::env::var("SKIFF_FUSE_SPLICE_MIN")
            .ok()
            .and_then(|v| v.parse::<usize>().ok())
            .unwrap_or(DEFAULT_MIN)
            .max(1);
        Some(Splicer { dev, min })
    }

    /// Answer READ request `unique` with up to `size` bytes of `file` from `offset`. True once
    /// the request is answered (the caller then [`retire`]s its reply); false if nothing was
    /// written to /dev/fuse (a small read, the end of the file, no pipe): the caller answers by
    /// copying.
    pub fn read(&self, unique: u64, file: &File, offset: u64, size: u32) -> bool {
        if (size as usize) < self.min {
            return false;
        }
        let Ok(start) = i64::try_from(offset) else {
            return false;
        };
        let Ok(st) = nix::sys::stat::fstat(file) else {
            return false;
        };
        let avail = u64::try_from(st.st_size)
            .unwrap_or(0)
            .saturating_sub(offset);
        let len = avail.min(u64::from(size)) as usize;
        if len < self.min {
            return false;
        }
        let total = HEADER + len;
        let Ok(total32) = u32::try_from(total) else {
            return false;
        };
        let mut header = [0u8; HEADER];
        header[0..4].copy_from_slice(&total32.to_ne_bytes());
        header[8..16].copy_from_slice(&unique.to_ne_bytes());
        PIPE.with(|cell| {
            let mut slot = cell.borrow_mut();
            if slot.is_none() {
                *slot = Pipe::new().ok();
            }
            let Some(pipe) = slot.as_mut() else {
                return false;
            };
            // The header's buffer, then one per page of data.
            let pages = (start as usize % PAGE + len).div_ceil(PAGE);
            if !pipe.reserve(pages + 1) {
                return false;
            }
            if pipe.fill(&header, file, start, len).is_err() {
                // Whatever went in stays unsent: a fresh pipe next time.
                *slot = None;
                return false;
            }
            match splice(
                &pipe.read,
                None,
                &self.dev,
                None,
                total,
                SpliceFFlags::empty(),
            ) {
                Ok(n) if n == total => true,
                // The kernel takes a reply whole or not at all.
                Ok(_) => {
                    *slot = None;
                    true
                }
                // No such request any more: the connection is going away.
                Err(NixErrno::ENOENT) | Err(NixErrno::ENODEV) => {
                    *slot = None;
                    true
                }
                // Anything else: answer by copying. Had the kernel ended the request already
                // (an error while copying the pages), that answer is refused by its unique
                // id, which is never reused; a request left unanswered would hang its reader.
                Err(_) => {
                    *slot = None;
                    false
                }
            }
        })
    }
}

/// Drop a reply whose request was answered through [`Splicer::read`] without sending anything:
/// fuser's `Drop` would answer EIO, and it offers no other way to let go of a reply. Forgetting
/// it keeps one reference to the session's device open, which is closed when the process ends.
pub fn retire(reply: ReplyData) {
    std::mem::forget(reply);
}
