//! A compact front for a seccomp filter: the system calls a filter matches whatever their
//! arguments, as a binary search over ranges of call numbers, in front of the program
//! `seccompiler` makes for the rest.
//!
//! Why by hand: `seccompiler` 0.5 emits five instructions per system call in one linear chain
//! (docker's default profile: 1,526 instructions for 292 unconditional calls). Installing that
//! program costs the kernel about a millisecond per process (its translation to eBPF and the
//! JIT are linear in the length), paid by every container start and every `exec`, and each of
//! the container's system calls walks the chain. Those 292 calls are 30 ranges of numbers on
//! x86_64: the search below is ~90 instructions and ~10 comparisons deep. No maintained pure
//! Rust crate emits a tree (libseccomp's binary-tree optimisation is C).
//!
//! The front is `LD arch; JEQ arch, else JA to the rest; LD nr; the search; RET matched`;
//! every miss goes to the first instruction of the rest, which makes its own checks from the
//! start, so the whole program decides exactly as the rest alone would with the front's calls
//! added to it (the unit tests run both on every call number).
use seccompiler::{sock_filter, BpfProgram, TargetArch};

// The classic BPF opcodes used here (linux/bpf_common.h; libc has them as u32).
const LD_W_ABS: u16 = 0x20; // BPF_LD | BPF_W | BPF_ABS
const JMP_JA: u16 = 0x05;
const JMP_JEQ_K: u16 = 0x15;
const JMP_JGT_K: u16 = 0x25;
const JMP_JGE_K: u16 = 0x35;
const RET_K: u16 = 0x06;

/// The kernel's limit on a program's length (BPF_MAXINSNS).
const MAX_LEN: usize = 4096;

/// Offsets in `struct seccomp_data`.
const NR_OFFSET: u32 = 0;
const ARCH_OFFSET: u32 = 4;

/// The audit architecture the kernel reports in `seccomp_data.arch` (linux/audit.h).
fn audit_arch(arch: TargetArch) -> u32 {
    match arch {
        TargetArch::x86_64 => 0xC000_003E,
        TargetArch::aarch64 => 0xC000_00B7,
        TargetArch::riscv64 => 0xC000_00F3,
    }
}

/// Sorted, disjoint, inclusive ranges of the call numbers in `nrs` (numbers outside u32 are
/// dropped: the kernel's `nr` is 32 bits).
fn ranges(nrs: &[i64]) -> Vec<(u32, u32)> {
    let mut v: Vec<u32> = nrs.iter().filter_map(|n| u32::try_from(*n).ok()).collect();
    v.sort_unstable();
    v.dedup();
    let mut out: Vec<(u32, u32)> = Vec::new();
    for n in v {
        match out.last_mut() {
            Some((_, hi)) if hi.checked_add(1) == Some(n) => *hi = n,
            _ => out.push((n, n)),
        }
    }
    out
}

/// Instructions the search over `r` takes.
fn tree_len(r: &[(u32, u32)]) -> usize {
    match r {
        [] => 0,
        [(0, _)] => 1,
        [_] => 2,
        _ => {
            let mid = r.len() / 2;
            1 + tree_len(&r[..mid]) + tree_len(&r[mid..])
        }
    }
}

/// A jump offset from the instruction at `from` to `to`; None past classic BPF's 8 bits.
fn offset(from: usize, to: usize) -> Option<u8> {
    u8::try_from(to.checked_sub(from + 1)?).ok()
}

/// Append the search over `r` (its first instruction at `out.len()`): a number in a range
/// jumps to `hit`, any other to `miss`. Every jump goes forward.
fn emit_tree(out: &mut Vec<sock_filter>, r: &[(u32, u32)], hit: usize, miss: usize) -> Option<()> {
    let at = out.len();
    match r {
        [] => {}
        [(lo, hi)] => {
            if *lo > 0 {
                // Below the range: below every later range too (the search came here because
                // the number is below the next range's start).
                out.push(jump(JMP_JGE_K, *lo, 0, offset(at, miss)?));
            }
            let here = out.len();
            out.push(jump(
                JMP_JGT_K,
                *hi,
                offset(here, miss)?,
                offset(here, hit)?,
            ));
        }
        _ => {
            let mid = r.len() / 2;
            let right = at + 1 + tree_len(&r[..mid]);
            out.push(jump(JMP_JGE_K, r[mid].0, offset(at, right)?, 0));
            emit_tree(out, &r[..mid], hit, miss)?;
            emit_tree(out, &r[mid..], hit, miss)?;
        }
    }
    Some(())
}

fn jump(code: u16, k: u32, jt: u8, jf: u8) -> sock_filter {
    sock_filter { code, jt, jf, k }
}

fn stmt(code: u16, k: u32) -> sock_filter {
    sock_filter {
        code,
        jt: 0,
        jf: 0,
        k,
    }
}

/// `rest` with a front that returns `matched` (the kernel's return value, from
/// `u32::from(SeccompAction)`) for every call number in `unconditional` on `arch`. None when
/// the search would need a jump longer than classic BPF allows (thousands of ranges): the
/// caller then leaves those calls to `seccompiler`.
pub fn with_front(
    arch: TargetArch,
    unconditional: &[i64],
    matched: u32,
    rest: BpfProgram,
) -> Option<BpfProgram> {
    let r = ranges(unconditional);
    if r.is_empty() {
        return Some(rest);
    }
    // LD arch, JEQ arch, JA miss, LD nr, the tree, RET matched; then `rest`.
    let hit = 4 + tree_len(&r);
    let miss = hit + 1;
    let mut out = Vec::with_capacity(miss + rest.len());
    out.push(stmt(LD_W_ABS, ARCH_OFFSET));
    out.push(jump(JMP_JEQ_K, audit_arch(arch), 1, 0));
    out.push(stmt(JMP_JA, u32::try_from(miss - 3).ok()?));
    out.push(stmt(LD_W_ABS, NR_OFFSET));
    emit_tree(&mut out, &r, hit, miss)?;
    debug_assert_eq!(out.len(), hit);
    out.push(stmt(RET_K, matched));
    out.extend(rest);
    (out.len() <= MAX_LEN).then_some(out)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// `struct seccomp_data` as the kernel lays it out, for [`run`].
    pub(crate) struct Data {
        pub nr: u32,
        pub arch: u32,
        pub args: [u64; 6],
    }

    impl Data {
        fn word(&self, off: u32) -> u32 {
            match off {
                0 => self.nr,
                4 => self.arch,
                8 | 12 => 0, // instruction_pointer
                16..=63 if off.is_multiple_of(4) => {
                    let a = self.args[((off - 16) / 8) as usize];
                    if off.is_multiple_of(8) {
                        a as u32
                    } else {
                        (a >> 32) as u32
                    }
                }
                _ => panic!("load at {off}"),
            }
        }
    }

    /// A classic BPF interpreter for what seccompiler and the front emit (panics on anything
    /// else, or a jump backwards or out of the program).
    pub(crate) fn run(prog: &[sock_filter], d: &Data) -> u32 {
        let (mut pc, mut acc) = (0usize, 0u32);
        loop {
            let i = &prog[pc];
            let jmp = |cond: bool| pc + 1 + if cond { i.jt } else { i.jf } as usize;
            pc = match i.code {
                0x20 => {
                    acc = d.word(i.k);
                    pc + 1
                }
                0x54 => {
                    acc &= i.k;
                    pc + 1
                }
                0x05 => pc + 1 + i.k as usize,
                0x15 => jmp(acc == i.k),
                0x25 => jmp(acc > i.k),
                0x35 => jmp(acc >= i.k),
                0x45 => jmp(acc & i.k != 0),
                0x06 => return i.k,
                c => panic!("opcode {c:#x} at {pc}"),
            };
            assert!(pc < prog.len(), "jump out of the program");
        }
    }

    #[test]
    fn ranges_merge_neighbours() {
        assert_eq!(
            ranges(&[5, 1, 2, 3, 9, 10, -1, 1 << 40, 3]),
            vec![(1, 3), (5, 5), (9, 10)]
        );
        assert_eq!(
            ranges(&[u32::MAX as i64, 0]),
            vec![(0, 0), (u32::MAX, u32::MAX)]
        );
    }

    #[test]
    fn the_front_matches_exactly_its_calls() {
        const MISS: u32 = 0x7777;
        const HIT: u32 = 0x1234;
        let rest = vec![stmt(RET_K, MISS)];
        let sets: Vec<Vec<i64>> = vec![
            vec![0],
            vec![7],
            vec![0, 1, 2, 5, 6, 9],
            (0..240).filter(|n| n % 4 != 0).collect(),
            (0..600).filter(|n| n % 13 < 9 && *n != 300).collect(),
            vec![u32::MAX as i64, 0x4000_0000, 3],
        ];
        let arch = audit_arch(TargetArch::x86_64);
        for set in sets {
            let prog = with_front(TargetArch::x86_64, &set, HIT, rest.clone()).unwrap();
            let probes = (0..700u32).chain([0x4000_0000, 0x4000_0001, u32::MAX - 1, u32::MAX]);
            for nr in probes {
                let mut d = Data {
                    nr,
                    arch,
                    args: [0; 6],
                };
                let want = if set.contains(&(nr as i64)) {
                    HIT
                } else {
                    MISS
                };
                assert_eq!(run(&prog, &d), want, "nr {nr} of {set:?}");
                d.arch = 0x4000_0003; // i386: always the rest's decision
                assert_eq!(run(&prog, &d), MISS);
            }
        }
        assert_eq!(
            with_front(TargetArch::x86_64, &[], HIT, rest.clone()),
            Some(rest)
        );
    }

    #[test]
    fn too_many_ranges_are_refused() {
        let set: Vec<i64> = (0..4000).map(|n| n * 2).collect();
        assert_eq!(with_front(TargetArch::x86_64, &set, 1, vec![]), None);
    }
}
