//! `/proc/PID/stat`, read one way: the command name (which may hold spaces and parentheses)
//! is cut at the last `)`, and one rule says when a process is gone.
//!
//! The zombie rule: a zombie or dead task (`Z`, `X`, `x`) counts as gone: nobody may be left
//! to reap it, and its pid can be reused once it is reaped.

/// One process's `/proc/PID/stat`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stat {
    /// Field 2, without its parentheses.
    pub comm: String,
    /// Field 3 (`R`, `S`, `Z`…).
    pub state: char,
    /// Fields 3 and on, as text.
    rest: Vec<String>,
}

impl Stat {
    /// Parse the text of a stat file.
    pub fn parse(text: &str) -> Option<Stat> {
        let open = text.find('(')?;
        let close = text.rfind(')')?;
        let comm = text.get(open + 1..close)?.to_string();
        let rest: Vec<String> = text
            .get(close + 2..)?
            .split_whitespace()
            .map(String::from)
            .collect();
        let state = rest.first()?.chars().next()?;
        Some(Stat { comm, state, rest })
    }

    /// Field `n` as `man 5 proc` numbers them (3 is the state, 22 the start time), from 3 on.
    pub fn field(&self, n: usize) -> Option<&str> {
        self.rest.get(n.checked_sub(3)?).map(String::as_str)
    }

    /// Field `n` as a number (0 when missing or not a number).
    pub fn num(&self, n: usize) -> i64 {
        self.field(n).and_then(|s| s.parse().ok()).unwrap_or(0)
    }

    /// The start time in clock ticks after boot (field 22): with the pid, what names a
    /// process across pid reuse.
    pub fn start_time(&self) -> Option<u64> {
        self.field(22)?.parse().ok()
    }

    /// A zombie or a dead task: gone for our purposes (the zombie rule).
    pub fn is_gone(&self) -> bool {
        matches!(self.state, 'Z' | 'X' | 'x')
    }
}

/// The stat of process `pid`, zombies included.
pub fn stat(pid: i32) -> Option<Stat> {
    if pid <= 0 {
        return None;
    }
    Stat::parse(&std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?)
}

/// The start time of a live process: None when it is gone, a zombie or dead.
///
/// Read the short way, as `ps` asks it of every running container: one `read` into a buffer
/// on the stack (field 22 lies within its first few hundred bytes; the file is read whole by
/// `stat`), parsed in place, with the same rules as [`Stat`].
pub fn start_time(pid: i32) -> Option<u64> {
    if pid <= 0 {
        return None;
    }
    start_time_of(std::fs::File::open(format!("/proc/{pid}/stat")).ok()?)
}

/// `/proc` held open, for a run of [`ProcDir::start_time`]s (a listing of running
/// containers): each opens `PID/stat` from it, a walk of two names instead of four.
pub struct ProcDir(std::os::fd::OwnedFd);

impl ProcDir {
    pub fn open() -> Option<ProcDir> {
        use nix::fcntl::OFlag;
        let fd = nix::fcntl::open(
            "/proc",
            OFlag::O_PATH | OFlag::O_DIRECTORY | OFlag::O_CLOEXEC,
            nix::sys::stat::Mode::empty(),
        )
        .ok()?;
        Some(ProcDir(fd))
    }

    /// [`start_time`], read from this `/proc`.
    pub fn start_time(&self, pid: i32) -> Option<u64> {
        use nix::fcntl::OFlag;
        if pid <= 0 {
            return None;
        }
        // `PID/stat`, written by hand: `format!` was a fifth of the check's instructions.
        let mut path = [0u8; 16];
        let mut start = 11;
        let mut n = pid.unsigned_abs();
        loop {
            start -= 1;
            path[start] = b'0' + (n % 10) as u8;
            n /= 10;
            if n == 0 {
                break;
            }
        }
        path[11..16].copy_from_slice(b"/stat");
        let path = std::str::from_utf8(&path[start..]).ok()?;
        let fd = nix::fcntl::openat(
            &self.0,
            path,
            OFlag::O_RDONLY | OFlag::O_CLOEXEC | OFlag::O_NOFOLLOW,
            nix::sys::stat::Mode::empty(),
        )
        .ok()?;
        start_time_of(std::fs::File::from(fd))
    }
}

/// The start time from an open stat file: one `read` into a buffer on the stack.
fn start_time_of(mut f: std::fs::File) -> Option<u64> {
    use std::io::Read;
    let mut buf = [0u8; 1024];
    let n = loop {
        match f.read(&mut buf) {
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            other => break other.ok()?,
        }
    };
    start_time_in(&buf[..n])
}

/// The start time of a live process from the beginning of its stat text (at least through
/// field 22 and the space after it); None for a zombie or a dead task.
fn start_time_in(text: &[u8]) -> Option<u64> {
    let close = text.iter().rposition(|&b| b == b')')?;
    // Fields 3 and on, as `Stat::parse` splits them; the 20th is field 22, and it counts
    // only when a separator follows it (not cut by the end of the buffer).
    let rest = text.get(close + 1..)?;
    let mut fields = rest
        .split(|b| b.is_ascii_whitespace())
        .filter(|f| !f.is_empty());
    let state = *fields.next()?.first()?;
    if matches!(state, b'Z' | b'X' | b'x') {
        return None;
    }
    let start = fields.nth(18)?;
    let end = start.as_ptr() as usize - rest.as_ptr() as usize + start.len();
    if end >= rest.len() {
        return None;
    }
    std::str::from_utf8(start).ok()?.parse().ok()
}

/// Clock ticks per second (`sysconf(_SC_CLK_TCK)`, the unit of `/proc/PID/stat`'s times);
/// 100 when unknown.
pub fn clock_ticks_per_sec() -> u64 {
    match nix::unistd::sysconf(nix::unistd::SysconfVar::CLK_TCK) {
        Ok(Some(t)) if t > 0 => t as u64,
        _ => 100,
    }
}

/// When this boot began, in seconds since the epoch (`btime` of `/proc/stat`); 0 when unknown.
/// A file last changed before it was written by an earlier boot: whatever was writing it
/// then is gone.
pub fn boot_time() -> i64 {
    std::fs::read_to_string("/proc/stat")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("btime "))
                .and_then(|v| v.trim().parse().ok())
        })
        .unwrap_or(0)
}

/// The memory page size in bytes (`sysconf(_SC_PAGESIZE)`, the unit of `/proc/PID/statm`);
/// at least 4096.
pub fn page_size() -> u64 {
    match nix::unistd::sysconf(nix::unistd::SysconfVar::PAGE_SIZE) {
        Ok(Some(p)) if p > 4096 => p as u64,
        _ => 4096,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_names_with_parentheses_and_the_zombie_rule() {
        let fields: String = (4..=22).map(|n| format!(" {n}")).collect();
        let s = Stat::parse(&format!("42 (a) (b c)) S{fields} 23\n")).unwrap();
        assert_eq!((s.comm.as_str(), s.state), ("a) (b c)", 'S'));
        assert_eq!(s.field(4), Some("4"));
        assert_eq!(s.start_time(), Some(22));
        assert_eq!(s.num(23), 23);
        assert!(!s.is_gone());
        let z = Stat::parse(&format!("42 (x) Z{fields}")).unwrap();
        assert!(z.is_gone());
        assert!(Stat::parse("garbage").is_none());
        let me = std::process::id() as i32;
        assert!(start_time(me).is_some());
        assert_eq!(start_time(0), None);
    }

    #[test]
    fn an_open_proc_reads_the_same_start_times() {
        let proc = ProcDir::open().expect("/proc");
        let me = std::process::id() as i32;
        assert_eq!(proc.start_time(me), start_time(me));
        assert!(proc.start_time(me).is_some());
        assert_eq!(proc.start_time(1), start_time(1));
        // A child that is reaped: gone both ways.
        let mut child = std::process::Command::new("true").spawn().expect("true");
        let pid = child.id() as i32;
        child.wait().expect("wait");
        assert_eq!((proc.start_time(pid), start_time(pid)), (None, None));
        assert_eq!(proc.start_time(0), None);
        assert_eq!(proc.start_time(-1), None);
    }

    #[test]
    fn the_short_start_time_reads_as_stat_does() {
        let fields: String = (4..=22).map(|n| format!(" {n}")).collect();
        let text = format!("42 (a) (b c)) S{fields} 23\n");
        assert_eq!(start_time_in(text.as_bytes()), Some(22));
        // Cut right after field 22: not known; zombies and dead tasks: gone.
        let cut = text.find(" 23").unwrap();
        assert_eq!(start_time_in(&text.as_bytes()[..cut]), None);
        assert_eq!(start_time_in(&text.as_bytes()[..=cut]), Some(22));
        for z in ['Z', 'X', 'x'] {
            assert_eq!(
                start_time_in(format!("42 (x) {z}{fields}\n").as_bytes()),
                None
            );
        }
        assert_eq!(start_time_in(b"garbage"), None);
        assert_eq!(start_time_in(b"42 (x) S 4 5"), None);
        // The process itself, both ways.
        let me = std::process::id() as i32;
        assert_eq!(start_time(me), stat(me).and_then(|s| s.start_time()));
    }

    #[test]
    fn sysconf_values() {
        assert!(clock_ticks_per_sec() >= 1);
        assert!(page_size() >= 4096 && page_size().is_power_of_two());
    }
}
