//! Random bytes from the kernel: one getrandom(2) call (std has no public interface to it),
//! /dev/urandom where the call is missing (ENOSYS before Linux 3.17) or interrupted.
use std::io::Read;

/// Fill `buf` (up to 256 bytes: getrandom never returns those short) with random bytes.
pub fn fill(buf: &mut [u8]) -> std::io::Result<()> {
    if buf.len() <= 256 {
        // SAFETY: getrandom writes at most `buf.len()` bytes into the buffer we borrow.
        let got = unsafe { libc::getrandom(buf.as_mut_ptr().cast(), buf.len(), 0) };
        if usize::try_from(got).ok() == Some(buf.len()) {
            return Ok(());
        }
    }
    std::fs::File::open("/dev/urandom")?.read_exact(buf)
}

/// `bytes` random bytes as lower-case hex (IDs of containers, execs, networks, volumes).
pub fn hex(bytes: usize) -> std::io::Result<String> {
    let mut buf = vec![0u8; bytes];
    for chunk in buf.chunks_mut(256) {
        fill(chunk)?;
    }
    Ok(hex::encode(buf))
}

#[cfg(test)]
mod tests {
    #[test]
    fn fills_the_buffer() {
        let (mut a, mut b) = ([0u8; 32], [0u8; 32]);
        super::fill(&mut a).unwrap();
        super::fill(&mut b).unwrap();
        assert_ne!(a, b);
        let mut big = vec![0u8; 1000];
        super::fill(&mut big).unwrap();
        assert!(big.iter().any(|x| *x != 0));
        let id = super::hex(32).unwrap();
        assert_eq!(id.len(), 64);
        assert!(id
            .bytes()
            .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()));
        assert_ne!(id, super::hex(32).unwrap());
    }
}
