//! Whole writes to a raw descriptor (a pty or pipe the caller owns).
use std::os::fd::{BorrowedFd, RawFd};

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
