//! Seccomp: docker's default profile, docker-format JSON profiles, and their compilation to
//! BPF with `seccompiler` (pure Rust).
//!
//! A profile is turned into the OCI runtime spec's `linux.seccomp` when the container is
//! created: docker's `includes`/`excludes` (capabilities, architectures) are decided then,
//! against the container's capabilities. The runtime compiles that section to BPF and installs
//! it in the container's process (and in every `exec`).
//!
//! Simplifications, compared with runc + libseccomp:
//! - only the native architecture is filtered (docker's `archMap` also lets 32-bit x86 and
//!   x32 binaries through; here their system calls fail the architecture check);
//! - system call names are known for x86_64 only (other architectures refuse profiles, so use
//!   `seccomp=unconfined` there);
//! - `minKernel` conditions are taken as met; `SCMP_ACT_NOTIFY` is refused.
use std::collections::BTreeMap;

use seccompiler::{
    BpfProgram, SeccompAction, SeccompCmpArgLen, SeccompCmpOp, SeccompCondition, SeccompFilter,
    SeccompRule, TargetArch,
};
use serde_json::{json, Value};

use super::RuntimeError;

const EPERM: u32 = 1;
const ENOSYS: u32 = 38;
const AF_ALG: u64 = 38;
const AF_VSOCK: u64 = 40;

/// The system calls docker's default profile allows unconditionally. Not the `io_uring_*`
/// calls: moby stopped allowing them in 2023 (io_uring bypasses the per-call filter).
const ALLOWED: &[&str] = &[
    "accept",
    "accept4",
    "access",
    "adjtimex",
    "alarm",
    "bind",
    "brk",
    "capget",
    "capset",
    "chdir",
    "chmod",
    "chown",
    "chown32",
    "clock_adjtime",
    "clock_adjtime64",
    "clock_getres",
    "clock_getres_time64",
    "clock_gettime",
    "clock_gettime64",
    "clock_nanosleep",
    "clock_nanosleep_time64",
    "close",
    "close_range",
    "connect",
    "copy_file_range",
    "creat",
    "dup",
    "dup2",
    "dup3",
    "epoll_create",
    "epoll_create1",
    "epoll_ctl",
    "epoll_ctl_old",
    "epoll_pwait",
    "epoll_pwait2",
    "epoll_wait",
    "epoll_wait_old",
    "eventfd",
    "eventfd2",
    "execve",
    "execveat",
    "exit",
    "exit_group",
    "faccessat",
    "faccessat2",
    "fadvise64",
    "fadvise64_64",
    "fallocate",
    "fanotify_mark",
    "fchdir",
    "fchmod",
    "fchmodat",
    "fchown",
    "fchown32",
    "fchownat",
    "fcntl",
    "fcntl64",
    "fdatasync",
    "fgetxattr",
    "flistxattr",
    "flock",
    "fork",
    "fremovexattr",
    "fsetxattr",
    "fstat",
    "fstat64",
    "fstatat64",
    "fstatfs",
    "fstatfs64",
    "fsync",
    "ftruncate",
    "ftruncate64",
    "futex",
    "futex_time64",
    "futex_waitv",
    "futimesat",
    "getcpu",
    "getcwd",
    "getdents",
    "getdents64",
    "getegid",
    "getegid32",
    "geteuid",
    "geteuid32",
    "getgid",
    "getgid32",
    "getgroups",
    "getgroups32",
    "getitimer",
    "getpeername",
    "getpgid",
    "getpgrp",
    "getpid",
    "getppid",
    "getpriority",
    "getrandom",
    "getresgid",
    "getresgid32",
    "getresuid",
    "getresuid32",
    "getrlimit",
    "get_robust_list",
    "getrusage",
    "getsid",
    "getsockname",
    "getsockopt",
    "get_thread_area",
    "gettid",
    "gettimeofday",
    "getuid",
    "getuid32",
    "getxattr",
    "inotify_add_watch",
    "inotify_init",
    "inotify_init1",
    "inotify_rm_watch",
    "io_cancel",
    "ioctl",
    "io_destroy",
    "io_getevents",
    "io_pgetevents",
    "io_pgetevents_time64",
    "ioprio_get",
    "ioprio_set",
    "io_setup",
    "io_submit",
    "ipc",
    "kill",
    "landlock_add_rule",
    "landlock_create_ruleset",
    "landlock_restrict_self",
    "lchown",
    "lchown32",
    "lgetxattr",
    "link",
    "linkat",
    "listen",
    "listxattr",
    "llistxattr",
    "_llseek",
    "lremovexattr",
    "lseek",
    "lsetxattr",
    "lstat",
    "lstat64",
    "madvise",
    "membarrier",
    "memfd_create",
    "memfd_secret",
    "mincore",
    "mkdir",
    "mkdirat",
    "mknod",
    "mknodat",
    "mlock",
    "mlock2",
    "mlockall",
    "mmap",
    "mmap2",
    "mprotect",
    "mq_getsetattr",
    "mq_notify",
    "mq_open",
    "mq_timedreceive",
    "mq_timedreceive_time64",
    "mq_timedsend",
    "mq_timedsend_time64",
    "mq_unlink",
    "mremap",
    "msgctl",
    "msgget",
    "msgrcv",
    "msgsnd",
    "msync",
    "munlock",
    "munlockall",
    "munmap",
    "name_to_handle_at",
    "nanosleep",
    "newfstatat",
    "_newselect",
    "open",
    "openat",
    "openat2",
    "pause",
    "pidfd_open",
    "pidfd_send_signal",
    "pipe",
    "pipe2",
    "pkey_alloc",
    "pkey_free",
    "pkey_mprotect",
    "poll",
    "ppoll",
    "ppoll_time64",
    "prctl",
    "pread64",
    "preadv",
    "preadv2",
    "prlimit64",
    "process_mrelease",
    "pselect6",
    "pselect6_time64",
    "pwrite64",
    "pwritev",
    "pwritev2",
    "read",
    "readahead",
    "readlink",
    "readlinkat",
    "readv",
    "recv",
    "recvfrom",
    "recvmmsg",
    "recvmmsg_time64",
    "recvmsg",
    "remap_file_pages",
    "removexattr",
    "rename",
    "renameat",
    "renameat2",
    "restart_syscall",
    "rmdir",
    "rseq",
    "rt_sigaction",
    "rt_sigpending",
    "rt_sigprocmask",
    "rt_sigqueueinfo",
    "rt_sigreturn",
    "rt_sigsuspend",
    "rt_sigtimedwait",
    "rt_sigtimedwait_time64",
    "rt_tgsigqueueinfo",
    "sched_getaffinity",
    "sched_getattr",
    "sched_getparam",
    "sched_get_priority_max",
    "sched_get_priority_min",
    "sched_getscheduler",
    "sched_rr_get_interval",
    "sched_rr_get_interval_time64",
    "sched_setaffinity",
    "sched_setattr",
    "sched_setparam",
    "sched_setscheduler",
    "sched_yield",
    "seccomp",
    "select",
    "semctl",
    "semget",
    "semop",
    "semtimedop",
    "semtimedop_time64",
    "send",
    "sendfile",
    "sendfile64",
    "sendmmsg",
    "sendmsg",
    "sendto",
    "setfsgid",
    "setfsgid32",
    "setfsuid",
    "setfsuid32",
    "setgid",
    "setgid32",
    "setgroups",
    "setgroups32",
    "setitimer",
    "setpgid",
    "setpriority",
    "setregid",
    "setregid32",
    "setresgid",
    "setresgid32",
    "setresuid",
    "setresuid32",
    "setreuid",
    "setreuid32",
    "setrlimit",
    "set_robust_list",
    "setsid",
    "setsockopt",
    "set_thread_area",
    "set_tid_address",
    "setuid",
    "setuid32",
    "setxattr",
    "shmat",
    "shmctl",
    "shmdt",
    "shmget",
    "shutdown",
    "sigaltstack",
    "signalfd",
    "signalfd4",
    "sigprocmask",
    "sigreturn",
    "socketcall",
    "socketpair",
    "splice",
    "stat",
    "stat64",
    "statfs",
    "statfs64",
    "statx",
    "symlink",
    "symlinkat",
    "sync",
    "sync_file_range",
    "syncfs",
    "sysinfo",
    "tee",
    "tgkill",
    "time",
    "timer_create",
    "timer_delete",
    "timer_getoverrun",
    "timer_gettime",
    "timer_gettime64",
    "timer_settime",
    "timer_settime64",
    "timerfd_create",
    "timerfd_gettime",
    "timerfd_gettime64",
    "timerfd_settime",
    "timerfd_settime64",
    "times",
    "tkill",
    "truncate",
    "truncate64",
    "ugetrlimit",
    "umask",
    "uname",
    "unlink",
    "unlinkat",
    "utime",
    "utimensat",
    "utimensat_time64",
    "utimes",
    "vfork",
    "vmsplice",
    "wait4",
    "waitid",
    "waitpid",
    "write",
    "writev",
    // minKernel 4.8 (always met here)
    "process_vm_readv",
    "process_vm_writev",
    "ptrace",
    // x86 only
    "arch_prctl",
    "modify_ldt",
];

/// System calls allowed only with a capability (docker's `includes.caps`).
const BY_CAPABILITY: &[(&str, &[&str])] = &[
    ("CAP_DAC_READ_SEARCH", &["open_by_handle_at"]),
    (
        "CAP_SYS_ADMIN",
        &[
            "bpf",
            "clone",
            "clone3",
            "fanotify_init",
            "fsconfig",
            "fsmount",
            "fsopen",
            "fspick",
            "lookup_dcookie",
            "mount",
            "mount_setattr",
            "move_mount",
            "open_tree",
            "perf_event_open",
            "quotactl",
            "quotactl_fd",
            "setdomainname",
            "sethostname",
            "setns",
            "syslog",
            "umount",
            "umount2",
            "unshare",
        ],
    ),
    ("CAP_SYS_BOOT", &["reboot"]),
    ("CAP_SYS_CHROOT", &["chroot"]),
    (
        "CAP_SYS_MODULE",
        &["delete_module", "init_module", "finit_module"],
    ),
    ("CAP_SYS_PACCT", &["acct"]),
    (
        "CAP_SYS_PTRACE",
        &[
            "kcmp",
            "pidfd_getfd",
            "process_madvise",
            "process_vm_readv",
            "process_vm_writev",
            "ptrace",
        ],
    ),
    ("CAP_SYS_RAWIO", &["iopl", "ioperm"]),
    (
        "CAP_SYS_TIME",
        &["settimeofday", "stime", "clock_settime", "clock_settime64"],
    ),
    ("CAP_SYS_TTY_CONFIG", &["vhangup"]),
    (
        "CAP_SYS_NICE",
        &[
            "get_mempolicy",
            "mbind",
            "set_mempolicy",
            "set_mempolicy_home_node",
        ],
    ),
    ("CAP_SYSLOG", &["syslog"]),
    ("CAP_BPF", &["bpf"]),
    ("CAP_PERFMON", &["perf_event_open"]),
];

/// The namespace flags `clone` may not carry without CAP_SYS_ADMIN (docker's mask).
const CLONE_NS_MASK: u64 = 0x7E02_0000;

/// docker's default profile for a container with these capabilities, in docker's JSON form
/// with the capability conditions already decided.
pub fn default_profile(caps: &[String]) -> Value {
    let has = |c: &str| caps.iter().any(|x| x == c);
    let mut allowed: Vec<&str> = ALLOWED.to_vec();
    for (cap, names) in BY_CAPABILITY {
        if has(cap) {
            allowed.extend(names.iter());
        }
    }
    let mut syscalls = vec![json!({"names": allowed, "action": "SCMP_ACT_ALLOW"})];
    // Any socket but AF_VSOCK (40) and AF_ALG (38, the kernel crypto API): both conditions
    // of one rule must hold.
    syscalls.push(json!({"names": ["socket"], "action": "SCMP_ACT_ALLOW",
        "args": [{"index": 0, "value": AF_VSOCK, "op": "SCMP_CMP_NE"},
                 {"index": 0, "value": AF_ALG, "op": "SCMP_CMP_NE"}]}));
    for p in [0u64, 8, 0x20000, 0x20008, 0xffff_ffff] {
        syscalls.push(json!({"names": ["personality"], "action": "SCMP_ACT_ALLOW",
            "args": [{"index": 0, "value": p, "op": "SCMP_CMP_EQ"}]}));
    }
    if !has("CAP_SYS_ADMIN") {
        syscalls.push(json!({"names": ["clone"], "action": "SCMP_ACT_ALLOW",
            "args": [{"index": 0, "value": CLONE_NS_MASK, "valueTwo": 0, "op": "SCMP_CMP_MASKED_EQ"}]}));
        // ENOSYS, so that libc falls back to clone (which the rule above checks).
        syscalls.push(json!({"names": ["clone3"], "action": "SCMP_ACT_ERRNO", "errnoRet": ENOSYS}));
    }
    json!({"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": EPERM, "syscalls": syscalls})
}

fn arch_names() -> &'static [&'static str] {
    match std::env::consts::ARCH {
        "x86_64" => &["amd64", "x86_64", "SCMP_ARCH_X86_64"],
        "aarch64" => &["arm64", "aarch64", "SCMP_ARCH_AARCH64"],
        "riscv64" => &["riscv64", "SCMP_ARCH_RISCV64"],
        _ => &[],
    }
}

/// Does a docker `includes`/`excludes` block match this container?
fn block_matches(block: &Value, caps: &[String]) -> bool {
    let list = |k: &str| -> Vec<String> {
        block[k]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str().map(String::from))
                    .collect()
            })
            .unwrap_or_default()
    };
    let want_caps = list("caps");
    let want_arches = list("arches");
    let caps_ok = want_caps.is_empty() || want_caps.iter().all(|c| caps.contains(c));
    let arch_ok = want_arches.is_empty()
        || want_arches
            .iter()
            .any(|a| arch_names().contains(&a.as_str()));
    caps_ok && arch_ok && (!want_caps.is_empty() || !want_arches.is_empty())
}

/// A docker-format profile (as docker's `--security-opt seccomp=FILE` takes) turned into the
/// OCI spec's `linux.seccomp`, with `includes`/`excludes` decided for these capabilities.
pub fn to_oci(profile: &Value, caps: &[String]) -> Result<Value, RuntimeError> {
    let bad = |m: String| RuntimeError::Invalid(format!("seccomp profile: {m}"));
    let default_action = profile["defaultAction"]
        .as_str()
        .ok_or_else(|| bad("no defaultAction".into()))?;
    let mut out_calls = Vec::new();
    for s in profile["syscalls"].as_array().cloned().unwrap_or_default() {
        let includes = &s["includes"];
        let excludes = &s["excludes"];
        let has_includes = includes.as_object().is_some_and(|o| {
            o.get("caps").is_some_and(|v| !v.is_null())
                || o.get("arches").is_some_and(|v| !v.is_null())
        });
        if has_includes && !block_matches(includes, caps) {
            continue;
        }
        if excludes.is_object() {
            // Excluded when any listed capability is held or the architecture is listed.
            let held = excludes["caps"].as_array().is_some_and(|a| {
                a.iter()
                    .any(|c| c.as_str().is_some_and(|c| caps.iter().any(|x| x == c)))
            });
            let arch = excludes["arches"].as_array().is_some_and(|a| {
                a.iter()
                    .any(|x| x.as_str().is_some_and(|x| arch_names().contains(&x)))
            });
            if held || arch {
                continue;
            }
        }
        let mut names: Vec<Value> = s["names"].as_array().cloned().unwrap_or_default();
        if let Some(n) = s["name"].as_str() {
            names.push(json!(n));
        }
        let mut entry = json!({"names": names, "action": s["action"]});
        if !s["errnoRet"].is_null() {
            entry["errnoRet"] = s["errnoRet"].clone();
        }
        if let Some(args) = s["args"].as_array() {
            if !args.is_empty() {
                entry["args"] = json!(args);
            }
        }
        out_calls.push(entry);
    }
    let mut out = json!({"defaultAction": default_action, "syscalls": out_calls});
    if !profile["defaultErrnoRet"].is_null() {
        out["defaultErrnoRet"] = profile["defaultErrnoRet"].clone();
    }
    Ok(out)
}

/// The `linux.seccomp` of a container: None with `--privileged` or `seccomp=unconfined`, docker's
/// default profile, or the profile in the file `opt` names.
pub fn for_container(
    opt: Option<&str>,
    privileged: bool,
    caps: &[String],
) -> Result<Option<Value>, RuntimeError> {
    match opt {
        Some("unconfined") => Ok(None),
        Some(path) => {
            let text = std::fs::read_to_string(path).map_err(|e| RuntimeError::Io {
                what: format!("opening seccomp profile ({path}) failed"),
                source: e,
            })?;
            let v: Value = serde_json::from_str(&text).map_err(|e| {
                RuntimeError::Invalid(format!("decoding seccomp profile ({path}) failed: {e}"))
            })?;
            let oci = to_oci(&v, caps)?;
            compile(&oci)?; // refuse a bad profile at create time, not at start
            Ok(Some(oci))
        }
        None if privileged => Ok(None),
        None => Ok(Some(to_oci(&default_profile(caps), caps)?)),
    }
}

fn syscall_nr(name: &str) -> Option<i64> {
    super::syscalls::SYSCALLS
        .binary_search_by(|(n, _)| n.cmp(&name))
        .ok()
        .map(|i| super::syscalls::SYSCALLS[i].1)
}

fn action(name: &str, errno: Option<u32>) -> Result<SeccompAction, RuntimeError> {
    Ok(match name {
        "SCMP_ACT_ALLOW" => SeccompAction::Allow,
        "SCMP_ACT_ERRNO" => SeccompAction::Errno(errno.unwrap_or(EPERM)),
        "SCMP_ACT_KILL" | "SCMP_ACT_KILL_THREAD" => SeccompAction::KillThread,
        "SCMP_ACT_KILL_PROCESS" => SeccompAction::KillProcess,
        "SCMP_ACT_TRAP" => SeccompAction::Trap,
        "SCMP_ACT_LOG" => SeccompAction::Log,
        "SCMP_ACT_TRACE" => SeccompAction::Trace(errno.unwrap_or(0)),
        other => {
            return Err(RuntimeError::Invalid(format!(
                "seccomp profile: unsupported action {other}"
            )))
        }
    })
}

fn condition(arg: &Value) -> Result<SeccompCondition, RuntimeError> {
    let bad = |m: &str| RuntimeError::Invalid(format!("seccomp profile: {m} in {arg}"));
    let index = arg["index"].as_u64().ok_or_else(|| bad("no index"))? as u8;
    let value = arg["value"].as_u64().unwrap_or(0);
    let two = arg["valueTwo"].as_u64().unwrap_or(0);
    let (op, v) = match arg["op"].as_str().unwrap_or("") {
        "SCMP_CMP_EQ" => (SeccompCmpOp::Eq, value),
        "SCMP_CMP_NE" => (SeccompCmpOp::Ne, value),
        "SCMP_CMP_LT" => (SeccompCmpOp::Lt, value),
        "SCMP_CMP_LE" => (SeccompCmpOp::Le, value),
        "SCMP_CMP_GT" => (SeccompCmpOp::Gt, value),
        "SCMP_CMP_GE" => (SeccompCmpOp::Ge, value),
        "SCMP_CMP_MASKED_EQ" => (SeccompCmpOp::MaskedEq(value), two),
        _ => return Err(bad("unknown op")),
    };
    SeccompCondition::new(index, SeccompCmpArgLen::Qword, op, v)
        .map_err(RuntimeError::ctx("seccomp profile"))
}

fn target_arch() -> Result<TargetArch, RuntimeError> {
    match std::env::consts::ARCH {
        "x86_64" if !super::syscalls::SYSCALLS.is_empty() => Ok(TargetArch::x86_64),
        other => Err(RuntimeError::Invalid(format!(
            "seccomp profiles are not supported on {other} yet: use --security-opt seccomp=unconfined"
        ))),
    }
}

/// Per system call number: its rules (any may match), or None when it matches whatever the
/// arguments.
type CallRules = BTreeMap<i64, Option<Vec<SeccompRule>>>;

/// Compile an OCI `linux.seccomp` section to BPF programs, to be installed in order: the
/// default action's filter first, then one filter per other action (the kernel lets the most
/// recently installed filter decide between two results of the same kind, so `errnoRet`s
/// other than the default win).
pub fn compile(oci: &Value) -> Result<Vec<BpfProgram>, RuntimeError> {
    compile_with(oci, true)
}

/// [`compile`]; with `front`, the calls a filter matches whatever their arguments are searched
/// as ranges of numbers in front of seccompiler's program (`seccomp_ranges`), else seccompiler
/// compiles every call (the unit tests compare the two).
fn compile_with(oci: &Value, front: bool) -> Result<Vec<BpfProgram>, RuntimeError> {
    let arch = target_arch()?;
    let default = action(
        oci["defaultAction"].as_str().unwrap_or("SCMP_ACT_ERRNO"),
        oci["defaultErrnoRet"].as_u64().map(|e| e as u32),
    )?;
    // action -> syscall -> rules (None: unconditional)
    let mut groups: Vec<(SeccompAction, CallRules)> = Vec::new();
    for s in oci["syscalls"].as_array().cloned().unwrap_or_default() {
        let act = action(
            s["action"].as_str().unwrap_or(""),
            s["errnoRet"].as_u64().map(|e| e as u32),
        )?;
        if act == default {
            continue;
        }
        let conds = s["args"]
            .as_array()
            .map(|a| a.iter().map(condition).collect::<Result<Vec<_>, _>>())
            .transpose()?
            .unwrap_or_default();
        let rule = if conds.is_empty() {
            None
        } else {
            Some(SeccompRule::new(conds).map_err(RuntimeError::ctx("seccomp profile"))?)
        };
        let pos = match groups.iter().position(|(a, _)| *a == act) {
            Some(p) => p,
            None => {
                groups.push((act, BTreeMap::new()));
                groups.len() - 1
            }
        };
        for n in s["names"].as_array().cloned().unwrap_or_default() {
            let Some(nr) = n.as_str().and_then(syscall_nr) else {
                continue; // not a system call of this architecture
            };
            let slot = groups[pos].1.entry(nr).or_insert_with(|| Some(Vec::new()));
            match (&rule, slot.as_mut()) {
                (None, _) => *slot = None,
                (Some(r), Some(v)) => v.push(r.clone()),
                (Some(_), None) => {}
            }
        }
    }
    // Allow first (its filter carries the default action), then the others.
    groups.sort_by_key(|(a, _)| *a != SeccompAction::Allow);
    let mut progs = Vec::new();
    let mut have_default_filter = false;
    for (i, (act, calls)) in groups.into_iter().enumerate() {
        let (mismatch, matched) = if i == 0 && act == SeccompAction::Allow {
            have_default_filter = true;
            (default.clone(), act)
        } else {
            (SeccompAction::Allow, act)
        };
        let program = |rules: BTreeMap<i64, Vec<SeccompRule>>| {
            let filter = SeccompFilter::new(rules, mismatch.clone(), matched.clone(), arch)
                .map_err(RuntimeError::ctx("seccomp profile"))?;
            BpfProgram::try_from(filter).map_err(RuntimeError::ctx("seccomp profile"))
        };
        let unconditional: Vec<i64> = calls
            .iter()
            .filter(|(_, r)| r.is_none())
            .map(|(nr, _)| *nr)
            .collect();
        let conditional: BTreeMap<i64, Vec<SeccompRule>> = calls
            .iter()
            .filter_map(|(nr, r)| r.clone().map(|r| (*nr, r)))
            .collect();
        let fronted = if front {
            super::seccomp_ranges::with_front(
                arch,
                &unconditional,
                u32::from(matched.clone()),
                program(conditional)?,
            )
        } else {
            None
        };
        let plain = program(
            calls
                .into_iter()
                .map(|(k, v)| (k, v.unwrap_or_default()))
                .collect(),
        )?;
        // The shorter: a front costs more than it saves for a call or two.
        progs.push(match fronted {
            Some(f) if f.len() < plain.len() => f,
            _ => plain,
        });
    }
    if !have_default_filter && default != SeccompAction::Allow {
        // Nothing allowed explicitly: everything gets the default action.
        let filter = SeccompFilter::new(BTreeMap::new(), default, SeccompAction::Allow, arch)
            .map_err(RuntimeError::ctx("seccomp profile"))?;
        progs.insert(
            0,
            BpfProgram::try_from(filter).map_err(RuntimeError::ctx("seccomp profile"))?,
        );
    }
    Ok(progs)
}

/// Install compiled filters in this thread, in order. Needs no_new_privs or CAP_SYS_ADMIN in
/// the current user namespace (the caller picks the moment accordingly).
pub fn install(progs: &[BpfProgram]) -> Result<(), String> {
    for p in progs {
        if p.is_empty() {
            continue;
        }
        let len = u16::try_from(p.len())
            .map_err(|_| format!("seccomp filter too long ({} instructions)", p.len()))?;
        let fprog = libc::sock_fprog {
            len,
            filter: p.as_ptr() as *mut libc::sock_filter,
        };
        // SAFETY: `fprog` points at `p`, a live Vec of sock_filter (same layout as libc's),
        // which the kernel copies before returning; no memory is kept or written.
        let rc = unsafe {
            libc::syscall(
                libc::SYS_seccomp,
                libc::SECCOMP_SET_MODE_FILTER,
                0,
                &fprog as *const libc::sock_fprog,
            )
        };
        if rc != 0 {
            return Err(format!(
                "installing the seccomp filter: {}",
                std::io::Error::last_os_error()
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn caps(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn default_profile_compiles_and_depends_on_caps() {
        let plain = to_oci(&default_profile(&caps(&["CAP_CHOWN"])), &[]).unwrap();
        let progs = compile(&plain).unwrap();
        assert_eq!(progs.len(), 2, "allow filter, then clone3's ENOSYS filter");
        assert!(progs.iter().all(|p| p.len() < 4096));
        let names = plain.to_string();
        assert!(!names.contains("\"unshare\""));
        let admin = to_oci(&default_profile(&caps(&["CAP_SYS_ADMIN"])), &[]).unwrap();
        assert!(admin.to_string().contains("\"unshare\""));
        assert_eq!(compile(&admin).unwrap().len(), 1);
    }

    /// The programs with the range front decide every call as seccompiler's alone do: every
    /// call number, both architectures, and argument values around each condition's.
    #[test]
    fn the_range_front_decides_as_seccompiler() {
        use crate::runtime::seccomp_ranges::tests::{run, Data};
        let custom = json!({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
            {"names": ["mkdir", "rmdir", "getpid"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13},
            {"names": ["personality"], "action": "SCMP_ACT_ERRNO",
             "args": [{"index": 0, "value": 8, "op": "SCMP_CMP_NE"}]},
            {"names": ["kill"], "action": "SCMP_ACT_KILL_PROCESS"},
        ]});
        let profiles = [
            to_oci(&default_profile(&caps(&["CAP_CHOWN"])), &[]).unwrap(),
            to_oci(
                &default_profile(&caps(&["CAP_SYS_ADMIN", "CAP_SYS_PTRACE"])),
                &[],
            )
            .unwrap(),
            to_oci(&custom, &[]).unwrap(),
        ];
        let values: [u64; 12] = [
            0,
            1,
            2,
            8,
            38,
            40,
            0x20000,
            0x20008,
            0x7E02_0000,
            0xffff_ffff,
            1 << 32,
            u64::MAX,
        ];
        for oci in &profiles {
            let fronted = compile_with(oci, true).unwrap();
            let plain = compile_with(oci, false).unwrap();
            assert_eq!(fronted.len(), plain.len());
            for (f, p) in fronted.iter().zip(&plain) {
                assert!(f.len() <= p.len(), "{} > {}", f.len(), p.len());
                let nrs = (0..600u32).chain([0x4000_0000, 0x4000_0029, u32::MAX]);
                for nr in nrs {
                    for arch in [0xC000_003E, 0x4000_0003] {
                        for (a0, a1) in values.iter().flat_map(|a| values.map(|b| (*a, b))) {
                            let d = Data {
                                nr,
                                arch,
                                args: [a0, a1, a0, a1, 0, 0],
                            };
                            assert_eq!(run(f, &d), run(p, &d), "nr {nr} arch {arch:#x} {a0} {a1}");
                        }
                    }
                }
            }
        }
        let docker = compile(&profiles[0]).unwrap();
        assert!(docker[0].len() < 200, "{} instructions", docker[0].len());
    }

    #[test]
    fn docker_includes_and_excludes() {
        let p = json!({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
            {"names": ["mkdir"], "action": "SCMP_ACT_ERRNO"},
            {"names": ["chroot"], "action": "SCMP_ACT_ERRNO", "includes": {"caps": ["CAP_SYS_ADMIN"]}},
            {"names": ["rmdir"], "action": "SCMP_ACT_ERRNO", "excludes": {"caps": ["CAP_CHOWN"]}},
        ]});
        let oci = to_oci(&p, &caps(&["CAP_CHOWN"])).unwrap();
        let s = oci.to_string();
        assert!(s.contains("mkdir") && !s.contains("chroot") && !s.contains("rmdir"));
        assert_eq!(compile(&oci).unwrap().len(), 1);
        assert!(compile(&json!({"defaultAction": "SCMP_ACT_NOTIFY"})).is_err());
    }
}
