//! CVE-2019-5736: the process that execs the container's command (the init, or `exec`'s
//! command process) is skiff itself, so at that moment `/proc/self/exe` is the host's skiff
//! binary. An image whose entrypoint is a script starting `#!/proc/self/exe` would have the
//! kernel run that binary inside the container, where its root could then open it through
//! `/proc/PID/exe` and overwrite it (with rootful skiff: the host's skiff, run next by root).
//!
//! runc answers with a sealed copy of its binary in a memfd (tens of MB copied per start, and
//! held while the container runs) or a read-only bind mount. skiff's commands are exec'd
//! through a trampoline instead: a 45-byte static program (x86_64 machine code, below) in a
//! sealed memfd, which only does `execve(argv[1], argv + 2, envp)`. At the command's exec,
//! `/proc/self/exe` is that sealed memfd: a `#!/proc/self/exe` script gets the trampoline as
//! its interpreter, which refuses to run without a command (exit 126), and nothing can write
//! to it. Cost: one memfd of 165 bytes and one more execve of a program that maps one page
//! (a few microseconds).
//!
//! Written by hand because no crate ships such a program; other architectures (no code here
//! yet) and kernels that refuse executable memfds (`vm.memfd_noexec=2`) exec directly.
use std::ffi::CString;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};

/// `cmp qword [rsp], 3; jb fail; execve(argv[1], &argv[2], envp); fail: exit_group(126)`.
#[cfg(target_arch = "x86_64")]
const CODE: &[u8] = &[
    0x48, 0x83, 0x3c, 0x24, 0x03, // cmp qword [rsp], 3       (argc: trampoline, path, argv0)
    0x72, 0x1a, // jb fail
    0x48, 0x8b, 0x7c, 0x24, 0x10, // mov rdi, [rsp+16]        (argv[1]: the path)
    0x48, 0x8d, 0x74, 0x24, 0x18, // lea rsi, [rsp+24]        (&argv[2])
    0x48, 0x8b, 0x04, 0x24, // mov rax, [rsp]                 (argc)
    0x48, 0x8d, 0x54, 0xc4, 0x10, // lea rdx, [rsp+rax*8+16]  (envp)
    0xb8, 0x3b, 0x00, 0x00, 0x00, // mov eax, 59              (execve)
    0x0f, 0x05, // syscall
    0xbf, 0x7e, 0x00, 0x00, 0x00, // fail: mov edi, 126
    0xb8, 0xe7, 0x00, 0x00, 0x00, // mov eax, 231             (exit_group)
    0x0f, 0x05, // syscall
];

/// The trampoline as an ELF executable: one header, one PT_LOAD segment, the code.
#[cfg(target_arch = "x86_64")]
fn elf() -> Vec<u8> {
    const BASE: u64 = 0x40_0000;
    const EHSIZE: u16 = 64;
    const PHSIZE: u16 = 56;
    let total = (EHSIZE + PHSIZE) as u64 + CODE.len() as u64;
    let mut v = Vec::with_capacity(total as usize);
    v.extend_from_slice(&[0x7f, b'E', b'L', b'F', 2, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    v.extend_from_slice(&2u16.to_le_bytes()); // ET_EXEC
    v.extend_from_slice(&0x3eu16.to_le_bytes()); // EM_X86_64
    v.extend_from_slice(&1u32.to_le_bytes()); // EV_CURRENT
    v.extend_from_slice(&(BASE + (EHSIZE + PHSIZE) as u64).to_le_bytes()); // entry
    v.extend_from_slice(&(EHSIZE as u64).to_le_bytes()); // phoff
    v.extend_from_slice(&0u64.to_le_bytes()); // shoff
    v.extend_from_slice(&0u32.to_le_bytes()); // flags
    v.extend_from_slice(&EHSIZE.to_le_bytes());
    v.extend_from_slice(&PHSIZE.to_le_bytes());
    v.extend_from_slice(&1u16.to_le_bytes()); // phnum
    v.extend_from_slice(&0u16.to_le_bytes()); // shentsize
    v.extend_from_slice(&0u16.to_le_bytes()); // shnum
    v.extend_from_slice(&0u16.to_le_bytes()); // shstrndx
    v.extend_from_slice(&1u32.to_le_bytes()); // PT_LOAD
    v.extend_from_slice(&5u32.to_le_bytes()); // PF_R | PF_X
    v.extend_from_slice(&0u64.to_le_bytes()); // offset
    v.extend_from_slice(&BASE.to_le_bytes()); // vaddr
    v.extend_from_slice(&BASE.to_le_bytes()); // paddr
    v.extend_from_slice(&total.to_le_bytes()); // filesz
    v.extend_from_slice(&total.to_le_bytes()); // memsz
    v.extend_from_slice(&0x1000u64.to_le_bytes()); // align
    v.extend_from_slice(CODE);
    v
}

/// The sealed trampoline, or None where there is none (then the command is exec'd directly).
/// Call before the seccomp filter is installed.
pub fn create() -> Option<OwnedFd> {
    #[cfg(target_arch = "x86_64")]
    {
        let name = c"skiff-exec";
        // MFD_EXEC (6.3+) keeps it executable where vm.memfd_noexec=1; older kernels refuse
        // the flag (EINVAL) and make memfds executable anyway.
        const MFD_EXEC: libc::c_uint = 0x10;
        let base = libc::MFD_CLOEXEC | libc::MFD_ALLOW_SEALING;
        // SAFETY: memfd_create with a NUL-terminated name and flags; returns a new fd or -1.
        let mut fd = unsafe { libc::memfd_create(name.as_ptr(), base | MFD_EXEC) };
        if fd < 0 {
            // SAFETY: as above.
            fd = unsafe { libc::memfd_create(name.as_ptr(), base) };
        }
        if fd < 0 {
            tracing::debug!(
                "memfd for the exec trampoline: {}",
                std::io::Error::last_os_error()
            );
            return None;
        }
        // SAFETY: the kernel just gave us this descriptor; nobody else owns it.
        let fd = unsafe { OwnedFd::from_raw_fd(fd) };
        let code = elf();
        let written = nix::unistd::write(&fd, &code).ok()?;
        if written != code.len() {
            return None;
        }
        let seals =
            libc::F_SEAL_SEAL | libc::F_SEAL_SHRINK | libc::F_SEAL_GROW | libc::F_SEAL_WRITE;
        // SAFETY: fcntl with integer arguments on our descriptor.
        if unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_ADD_SEALS, seals) } != 0 {
            return None;
        }
        Some(fd)
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        None
    }
}

/// execve `path` with `args` (args[0] is the command's argv[0]) and `env` through the
/// trampoline `tramp`. Returns only on failure, with the errno.
pub fn exec(tramp: RawFd, path: &CString, args: &[CString], env: &[CString]) -> nix::errno::Errno {
    let mut argv: Vec<*const libc::c_char> = Vec::with_capacity(args.len() + 3);
    argv.push(c"skiff-exec".as_ptr());
    argv.push(path.as_ptr());
    argv.extend(args.iter().map(|a| a.as_ptr()));
    argv.push(std::ptr::null());
    let mut envp: Vec<*const libc::c_char> = env.iter().map(|e| e.as_ptr()).collect();
    envp.push(std::ptr::null());
    // SAFETY: argv and envp are NULL-terminated arrays of pointers to NUL-terminated strings
    // that outlive the call; the path is empty with AT_EMPTY_PATH (the descriptor is the
    // program). On success this does not return.
    unsafe {
        libc::syscall(
            libc::SYS_execveat,
            tramp,
            c"".as_ptr(),
            argv.as_ptr(),
            envp.as_ptr(),
            libc::AT_EMPTY_PATH,
        );
    }
    nix::errno::Errno::last()
}
