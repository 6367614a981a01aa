//! Resources: `top` and `stats` (read from /proc), and the cgroup-backed operations
//! (`--memory`, `--cpus`, `--pids-limit`, `update` of limits), which need a cgroup v2 hierarchy
//! delegated to the user. Without one they fail with the reason instead of silently doing
//! nothing. (`pause` is in `engine::pause`.)
use crate::state::restart::RestartPolicy;
use std::collections::BTreeMap;

pub use super::cgroup::delegated_cgroup;
pub use super::create::request::check_device_io;
pub use super::create::request::Limits;
use super::EngineError;
use crate::runtime::cgroup::CgroupError;
use crate::state::container::Containers;
use crate::state::Paths;

/// docker's memory sizes (`crate::units::parse_bytes`: `64m`, `1.5g`, `1t`).
pub fn parse_bytes(s: &str) -> Result<u64, EngineError> {
    crate::units::parse_bytes(s).ok_or_else(|| EngineError::Usage(format!("invalid size: {s:?}")))
}

/// `update`: a new restart policy (always possible) and limits (need the container's cgroup),
/// written live into the cgroup of a running container and kept for its next start.
pub fn update(
    paths: &Paths,
    name: &str,
    restart: Option<&str>,
    limits: &Limits,
) -> Result<(), EngineError> {
    let store = Containers::new(paths);
    let id = store.resolve(name)?;
    let new_resources = if limits.is_empty() {
        None
    } else {
        let rec = store.record(&id)?;
        let merged = merge(&rec.resources, limits)?;
        // The same checks as create: a delegated hierarchy with the controllers.
        let plan = super::cgroup::place(merged.clone(), None)?;
        if plan.delegation.is_some() && rec.cgroup.is_none() && !merged.controllers().is_empty() {
            return Err(EngineError::Conflict(format!(
                "container {} was created without a cgroup: recreate it to limit it",
                &id[..12]
            )));
        }
        Some(merged)
    };
    let policy = restart
        .map(|r| RestartPolicy::parse(r).map_err(EngineError::Usage))
        .transpose()?;
    let lock = store.lock(&id)?;
    let mut rec = store.record(&id)?;
    if let Some(policy) = policy {
        if rec.auto_remove && policy != RestartPolicy::No {
            return Err(EngineError::Usage(
                "Restart policy cannot be updated because AutoRemove is enabled for the container"
                    .into(),
            ));
        }
        rec.restart_policy = policy;
    }
    if let Some(r) = new_resources {
        let st = store.state(&id)?;
        if let (Some(cg), true) = (&rec.cgroup, st.status.is_up()) {
            if cg.dir.is_dir() {
                // docker: a limit it refuses is a bad parameter, a write the kernel refuses
                // a system error.
                crate::runtime::cgroup::apply(&cg.dir, &r).map_err(|e| match e {
                    CgroupError::Invalid(m) => {
                        EngineError::Usage(format!("Cannot update container {id}: {m}"))
                    }
                    e => EngineError::failed(format!("Cannot update container {id}"))(e),
                })?;
            }
        }
        rec.resources = r;
    }
    store.save_record(&lock, &rec)?;
    Ok(())
}

/// The container's limits with the ones `update` gives replacing theirs (docker's: a flag not
/// given keeps its value; a new memory limit with the swap left at docker's default of twice
/// the memory moves the swap with it).
fn merge(
    old: &crate::runtime::cgroup::Resources,
    l: &Limits,
) -> Result<crate::runtime::cgroup::Resources, EngineError> {
    let given = l.resources()?;
    let mut r = old.clone();
    if l.memory.is_some() {
        r.memory = given.memory;
        if l.memory_swap.is_none() && (old.memory_swap == old.memory * 2 || old.memory_swap == 0) {
            r.memory_swap = given.memory * 2;
        }
    }
    if l.memory_swap.is_some() {
        r.memory_swap = given.memory_swap;
    }
    if r.memory > 0 && r.memory_swap > 0 && r.memory_swap < r.memory {
        return Err(EngineError::Usage(
            "Memory limit should be smaller than already set memoryswap limit, update the memoryswap at the same time".into(),
        ));
    }
    if l.memory_reservation.is_some() {
        r.memory_reservation = given.memory_reservation;
    }
    if l.cpus.is_some() {
        r.nano_cpus = given.nano_cpus;
        r.cpu_quota = 0;
        r.cpu_period = 0;
    }
    if l.cpu_shares.is_some() {
        r.cpu_shares = given.cpu_shares;
    }
    if l.cpu_period.is_some() {
        r.cpu_period = given.cpu_period;
    }
    if l.cpu_quota.is_some() {
        r.cpu_quota = given.cpu_quota;
    }
    if l.cpuset_cpus.is_some() {
        r.cpuset_cpus = given.cpuset_cpus;
    }
    if l.cpuset_mems.is_some() {
        r.cpuset_mems = given.cpuset_mems;
    }
    if l.pids_limit.is_some() {
        r.pids_limit = given.pids_limit;
    }
    if l.blkio_weight.is_some() {
        r.blkio_weight = given.blkio_weight;
    }
    if !l.device_io.is_empty() {
        r.blkio_weight_device = given.blkio_weight_device;
        r.device_read_bps = given.device_read_bps;
        r.device_write_bps = given.device_write_bps;
        r.device_read_iops = given.device_read_iops;
        r.device_write_iops = given.device_write_iops;
    }
    Ok(r)
}

// ---- /proc ----------------------------------------------------------------------------------

/// What `top` and `stats` read of one process.
#[derive(Debug, Clone)]
pub struct ProcInfo {
    pub pid: i32,
    pub ppid: i32,
    pub uid: u32,
    /// Clock ticks in user and kernel mode.
    pub cpu_ticks: u64,
    /// Start time in clock ticks after boot.
    pub start_ticks: u64,
    pub tty_nr: i32,
    pub rss_bytes: u64,
    pub threads: u64,
    pub cmd: String,
}

fn read_proc(pid: i32) -> Option<ProcInfo> {
    let stat = crate::sys::proc::stat(pid)?;
    let comm = stat.comm.clone();
    // Fields as `man 5 proc` numbers them.
    let num = |n: usize| stat.num(n);
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let uid = status
        .lines()
        .find_map(|l| l.strip_prefix("Uid:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
    let cmd = if cmdline.is_empty() {
        format!("[{comm}]")
    } else {
        cmdline
            .split(|b| *b == 0)
            .filter(|a| !a.is_empty())
            .map(|a| String::from_utf8_lossy(a).into_owned())
            .collect::<Vec<_>>()
            .join(" ")
    };
    let page = crate::sys::proc::page_size();
    Some(ProcInfo {
        pid,
        ppid: num(4) as i32,
        uid,
        cpu_ticks: (num(14) + num(15)).max(0) as u64,
        start_ticks: num(22).max(0) as u64,
        tty_nr: num(7) as i32,
        rss_bytes: num(24).max(0) as u64 * page,
        threads: num(20).max(0) as u64,
        cmd,
    })
}

/// The container's processes: its PID 1 and every descendant, by PID.
pub fn container_processes(root_pid: i32) -> Vec<ProcInfo> {
    let mut all: Vec<ProcInfo> = std::fs::read_dir("/proc")
        .map(|rd| {
            rd.flatten()
                .filter_map(|e| e.file_name().to_str().and_then(|s| s.parse::<i32>().ok()))
                .filter_map(read_proc)
                .collect()
        })
        .unwrap_or_default();
    all.sort_by_key(|p| p.pid);
    let mut children: BTreeMap<i32, Vec<usize>> = BTreeMap::new();
    for (i, p) in all.iter().enumerate() {
        children.entry(p.ppid).or_default().push(i);
    }
    let mut out = Vec::new();
    let mut stack: Vec<usize> = all
        .iter()
        .position(|p| p.pid == root_pid)
        .into_iter()
        .collect();
    while let Some(i) = stack.pop() {
        out.push(all[i].clone());
        if let Some(c) = children.get(&all[i].pid) {
            stack.extend(c.iter().copied());
        }
    }
    out.sort_by_key(|p| p.pid);
    out
}

/// A running (or paused) container: its ID, name, first process and cgroup directory (where
/// it has one and its first process is in it).
struct Running {
    id: String,
    name: String,
    pid: i32,
    cgroup: Option<std::path::PathBuf>,
}

fn running_pid(paths: &Paths, name: &str) -> Result<Running, EngineError> {
    let store = Containers::new(paths);
    let id = store.resolve(name)?;
    let rec = store.record(&id)?;
    let st = store.state(&id)?;
    if !st.status.is_up() || st.pid <= 0 {
        return Err(EngineError::Conflict(format!(
            "container {} is not running",
            &id[..12]
        )));
    }
    let cgroup = rec
        .cgroup
        .map(|c| c.dir)
        .filter(|d| crate::runtime::cgroup::processes(d).contains(&st.pid));
    Ok(Running {
        id,
        name: rec.name,
        pid: st.pid,
        cgroup,
    })
}

/// The container's processes: its cgroup's where it has one, else its first process's tree.
fn processes_of(r: &Running) -> Vec<ProcInfo> {
    match &r.cgroup {
        Some(dir) => {
            let mut v: Vec<ProcInfo> = crate::runtime::cgroup::processes(dir)
                .into_iter()
                .filter_map(read_proc)
                .collect();
            v.sort_by_key(|p| p.pid);
            v
        }
        None => container_processes(r.pid),
    }
}

fn ticks_per_sec() -> u64 {
    crate::sys::proc::clock_ticks_per_sec()
}

fn tty_name(nr: i32) -> String {
    if nr == 0 {
        return "?".into();
    }
    let major = (nr >> 8) & 0xfff;
    let minor = (nr & 0xff) | ((nr >> 12) & 0xfff00);
    match major {
        136..=143 => format!("pts/{}", minor + (major - 136) * 256),
        4 => format!("tty{minor}"),
        _ => "?".into(),
    }
}

/// `top`: a header and rows. Without `ps_args`, docker's `ps -ef` columns from /proc; with
/// them, the host's `ps ARGS`, keeping the container's rows.
pub fn top(
    paths: &Paths,
    name: &str,
    ps_args: &[String],
) -> Result<(Vec<String>, Vec<Vec<String>>), EngineError> {
    let procs = processes_of(&running_pid(paths, name)?);
    if !ps_args.is_empty() {
        return host_ps(ps_args, &procs);
    }
    let tps = ticks_per_sec();
    let btime = crate::sys::proc::boot_time();
    let now = chrono::Utc::now().timestamp();
    let header = ["UID", "PID", "PPID", "C", "STIME", "TTY", "TIME", "CMD"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let rows = procs
        .iter()
        .map(|p| {
            let started = btime + (p.start_ticks / tps) as i64;
            let cpu_secs = p.cpu_ticks / tps;
            let elapsed = (now - started).max(1) as u64;
            let c = cpu_secs * 100 / elapsed;
            let stime = chrono::DateTime::from_timestamp(started, 0)
                .map(|t| {
                    let t = t.with_timezone(&chrono::Local);
                    if now - started < 86400 {
                        t.format("%H:%M").to_string()
                    } else {
                        t.format("%b%d").to_string()
                    }
                })
                .unwrap_or_default();
            let user = nix::unistd::User::from_uid(nix::unistd::Uid::from_raw(p.uid))
                .ok()
                .flatten()
                .map(|u| u.name)
                .unwrap_or_else(|| p.uid.to_string());
            vec![
                user,
                p.pid.to_string(),
                p.ppid.to_string(),
                c.to_string(),
                stime,
                tty_name(p.tty_nr),
                format!(
                    "{:02}:{:02}:{:02}",
                    cpu_secs / 3600,
                    cpu_secs / 60 % 60,
                    cpu_secs % 60
                ),
                p.cmd.clone(),
            ]
        })
        .collect();
    Ok((header, rows))
}

fn host_ps(
    args: &[String],
    procs: &[ProcInfo],
) -> Result<(Vec<String>, Vec<Vec<String>>), EngineError> {
    let out = std::process::Command::new("ps")
        .args(args)
        .output()
        .map_err(EngineError::io("running ps"))?;
    if !out.status.success() {
        return Err(EngineError::Internal(format!(
            "ps {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let mut lines = text.lines();
    let head = lines.next().unwrap_or_default();
    let header: Vec<String> = head.split_whitespace().map(String::from).collect();
    let Some(col) = header.iter().position(|h| h == "PID") else {
        return Err(EngineError::Internal(
            "Couldn't find PID field in ps output".into(),
        ));
    };
    let pids: Vec<String> = procs.iter().map(|p| p.pid.to_string()).collect();
    let n = header.len();
    let rows = lines
        .filter_map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            if f.get(col).is_none_or(|p| !pids.iter().any(|x| x == p)) {
                return None;
            }
            // The last column takes the rest of the line (a command with spaces).
            let mut row: Vec<String> = f.iter().take(n - 1).map(|s| s.to_string()).collect();
            row.push(f.iter().skip(n - 1).copied().collect::<Vec<_>>().join(" "));
            Some(row)
        })
        .collect();
    Ok((header, rows))
}

/// One sample of a container's usage: from its cgroup where it has one (memory.current less
/// inactive file pages and memory.max, cpu.stat, pids.current, io.stat), from /proc for what
/// the cgroup does not count (without a cgroup: memory is the sum of its processes' RSS, the
/// limit the machine's memory).
#[derive(Debug, Clone)]
pub struct Sample {
    pub id: String,
    pub name: String,
    /// CPU time used, nanoseconds.
    pub cpu_ns: u64,
    pub mem: u64,
    pub mem_limit: u64,
    pub net_rx: u64,
    pub net_tx: u64,
    pub blk_read: u64,
    pub blk_write: u64,
    pub pids: u64,
}

fn mem_total() -> u64 {
    std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("MemTotal:"))
                .and_then(|v| v.split_whitespace().next()?.parse::<u64>().ok())
        })
        .unwrap_or(0)
        * 1024
}

/// The host's CPU time so far, in clock ticks (all CPUs, every mode: the first line of /proc/stat).
pub fn total_cpu_ticks() -> u64 {
    std::fs::read_to_string("/proc/stat")
        .ok()
        .and_then(|s| {
            s.lines().next().map(|l| {
                l.split_whitespace()
                    .skip(1)
                    .filter_map(|v| v.parse::<u64>().ok())
                    .sum()
            })
        })
        .unwrap_or(0)
}

/// Sample a running container.
pub fn sample(paths: &Paths, name: &str) -> Result<Sample, EngineError> {
    let running = running_pid(paths, name)?;
    let pid = running.pid;
    let procs = processes_of(&running);
    let usage = running
        .cgroup
        .as_deref()
        .map(crate::runtime::cgroup::usage)
        .unwrap_or_default();
    let tick_ns = 1_000_000_000 / ticks_per_sec();
    let (mut rx, mut tx) = (0, 0);
    if let Ok(dev) = std::fs::read_to_string(format!("/proc/{pid}/net/dev")) {
        for l in dev.lines().skip(2) {
            let Some((ifname, rest)) = l.split_once(':') else {
                continue;
            };
            if ifname.trim() == "lo" {
                continue;
            }
            let v: Vec<u64> = rest
                .split_whitespace()
                .filter_map(|x| x.parse().ok())
                .collect();
            rx += v.first().copied().unwrap_or(0);
            tx += v.get(8).copied().unwrap_or(0);
        }
    }
    let (mut br, mut bw) = (0, 0);
    for p in &procs {
        if let Ok(io) = std::fs::read_to_string(format!("/proc/{}/io", p.pid)) {
            for l in io.lines() {
                if let Some(v) = l.strip_prefix("read_bytes: ") {
                    br += v.trim().parse::<u64>().unwrap_or(0);
                } else if let Some(v) = l.strip_prefix("write_bytes: ") {
                    bw += v.trim().parse::<u64>().unwrap_or(0);
                }
            }
        }
    }
    if let Some((r, w)) = usage.io {
        (br, bw) = (r, w);
    }
    Ok(Sample {
        id: running.id,
        name: running.name,
        cpu_ns: usage
            .cpu_usec
            .map(|u| u * 1000)
            .unwrap_or_else(|| procs.iter().map(|p| p.cpu_ticks).sum::<u64>() * tick_ns),
        mem: usage
            .memory
            .unwrap_or_else(|| procs.iter().map(|p| p.rss_bytes).sum()),
        mem_limit: usage
            .memory_limit
            .unwrap_or_else(mem_total)
            .min(mem_total()),
        net_rx: rx,
        net_tx: tx,
        blk_read: br,
        blk_write: bw,
        pids: usage
            .pids
            .unwrap_or_else(|| procs.iter().map(|p| p.threads).sum()),
    })
}

/// Usage of containers over an interval: (sample, CPU percent of one CPU × number of CPUs,
/// as docker computes it).
pub fn stats_once(
    paths: &Paths,
    names: &[String],
    interval: std::time::Duration,
) -> Result<Vec<(Sample, f64)>, EngineError> {
    let t0 = total_cpu_ticks();
    let first: Vec<Sample> = names
        .iter()
        .map(|n| sample(paths, n))
        .collect::<Result<_, _>>()?;
    std::thread::sleep(interval);
    let t1 = total_cpu_ticks();
    let ncpu = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1) as f64;
    let mut out = Vec::new();
    for s0 in first {
        let s1 = match sample(paths, &s0.id) {
            Ok(s) => s,
            Err(_) => continue,
        };
        let dc = s1.cpu_ns.saturating_sub(s0.cpu_ns) as f64;
        let dt = (t1.saturating_sub(t0) * (1_000_000_000 / ticks_per_sec())) as f64;
        let pct = if dt > 0.0 {
            dc / dt * ncpu * 100.0
        } else {
            0.0
        };
        out.push((s1, pct));
    }
    Ok(out)
}

/// Running containers' IDs (what `stats` shows by default).
pub fn running_ids(paths: &Paths) -> Result<Vec<String>, EngineError> {
    Ok(super::container::list(paths, false)?
        .into_iter()
        .map(|c| c.record.id)
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn byte_sizes() {
        assert_eq!(parse_bytes("512").unwrap(), 512);
        assert_eq!(parse_bytes("4k").unwrap(), 4096);
        assert_eq!(parse_bytes("64m").unwrap(), 64 << 20);
        assert_eq!(parse_bytes("1g").unwrap(), 1 << 30);
        assert_eq!(parse_bytes("2MB").unwrap(), 2 << 20);
        assert_eq!(parse_bytes("1t").unwrap(), 1 << 40);
        assert!(parse_bytes("lots").is_err());
    }

    #[test]
    fn ttys() {
        assert_eq!(tty_name(0), "?");
        assert_eq!(tty_name((136 << 8) | 3), "pts/3");
    }

    #[test]
    fn own_process_tree() {
        let me = std::process::id() as i32;
        let procs = container_processes(me);
        assert_eq!(procs.first().map(|p| p.pid), Some(me));
    }
}
