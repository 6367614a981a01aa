//! Letting go of the memory a long-lived helper touched only while it started: a container's
//! monitor calls `release_startup_memory` once the container has run a moment with nothing
//! to do, the port forwarder once it serves. What goes: the pages of the executable and the
//! shared libraries mapped read-only that are unchanged copies of their files (start-up code
//! and data: they stay in the page cache, and touching one again is a minor fault), the stack
//! below the current frame (dead since start-up), and the heap's free memory (`malloc_trim`).
//! What stays: every page the process wrote.
//!
//! Written by hand on `/proc/self/maps`, `/proc/self/pagemap` and `madvise`: no crate does it.

use std::os::unix::fs::FileExt;

const PAGE: usize = 4096;
/// Stack kept below the current frame: room for the `madvise` call that releases the rest (the
/// last call made: everything else runs before it). One page: an idle helper's loop (poll, a
/// read) needs no more below its own frame, and what it needs faults back in.
const STACK_MARGIN: usize = 4096;

/// pagemap entry bits (Documentation/admin-guide/mm/pagemap.rst).
const PM_PRESENT: u64 = 1 << 63;
const PM_FILE_OR_SHARED_ANON: u64 = 1 << 61;

/// Release what start-up left resident and no longer needs (see the module's comment).
/// Call it from the process's main thread (the stack released is the main thread's `[stack]`;
/// other threads' stacks and the pages they use are left alone or fault back in). Best effort:
/// whatever cannot be read or released stays.
pub fn release_startup_memory() {
    let marker = 0u8;
    let here = std::hint::black_box(std::ptr::addr_of!(marker)) as usize;
    let Ok(maps) = std::fs::read_to_string("/proc/self/maps") else {
        return;
    };
    let mut ranges = Vec::new();
    let mut stack = None;
    if let Ok(pagemap) = std::fs::File::open("/proc/self/pagemap") {
        for m in maps.lines().filter_map(Mapping::parse) {
            if m.path == "[stack]" {
                stack = Some((m.start, m.end));
            } else if m.private && !m.writable && m.path.starts_with('/') {
                // Read-only: no thread can write one of these pages between the look at
                // pagemap and the madvise (a written page is a private copy and must stay).
                unchanged_file_pages(&pagemap, m.start, m.end, &mut ranges);
            }
        }
    }
    drop(maps);
    for (start, end) in ranges {
        dont_need(start, end);
    }
    // SAFETY: malloc_trim only returns free heap memory to the kernel.
    unsafe {
        libc::malloc_trim(0);
    }
    // Last: nothing but this madvise runs below the current frame after it.
    if let Some((start, end)) = stack {
        // The stack grows down: everything below the current frame (less a margin) is dead.
        let below = (here & !(PAGE - 1)).saturating_sub(STACK_MARGIN);
        if here > start && here < end && below > start {
            dont_need(start, below);
        }
    }
}

/// One line of /proc/self/maps.
struct Mapping<'a> {
    start: usize,
    end: usize,
    private: bool,
    writable: bool,
    path: &'a str,
}

impl<'a> Mapping<'a> {
    fn parse(line: &'a str) -> Option<Mapping<'a>> {
        let mut fields = line.splitn(6, ' ');
        let (start, end) = fields.next()?.split_once('-')?;
        let perms = fields.next()?;
        let path = fields.nth(3).unwrap_or("").trim_start();
        Some(Mapping {
            start: usize::from_str_radix(start, 16).ok()?,
            end: usize::from_str_radix(end, 16).ok()?,
            private: perms.ends_with('p'),
            writable: perms.as_bytes().get(1) == Some(&b'w'),
            path,
        })
    }
}

/// The runs of pages in `[start, end)` (a private file mapping) that are resident and still
/// the file's own pages (never written, so not copied): dropping them loses nothing.
fn unchanged_file_pages(
    pagemap: &std::fs::File,
    start: usize,
    end: usize,
    out: &mut Vec<(usize, usize)>,
) {
    let pages = (end - start) / PAGE;
    let mut entries = vec![0u8; pages * 8];
    if pagemap
        .read_exact_at(&mut entries, (start / PAGE * 8) as u64)
        .is_err()
    {
        return;
    }
    let mut run: Option<usize> = None;
    for (i, e) in entries.chunks_exact(8).enumerate() {
        let mut bytes = [0u8; 8];
        bytes.copy_from_slice(e);
        let entry = u64::from_ne_bytes(bytes);
        let addr = start + i * PAGE;
        let droppable = entry & PM_PRESENT != 0 && entry & PM_FILE_OR_SHARED_ANON != 0;
        match (droppable, run) {
            (true, None) => run = Some(addr),
            (false, Some(from)) => {
                out.push((from, addr));
                run = None;
            }
            _ => {}
        }
    }
    if let Some(from) = run {
        out.push((from, end));
    }
}

fn dont_need(start: usize, end: usize) {
    // SAFETY: [start, end) is page-aligned and holds either unchanged pages of a private file
    // mapping (they fault back in from the file with the same content) or stack below every
    // live frame (it faults back in as zeros, and nothing reads it before writing it).
    unsafe {
        libc::madvise(start as *mut libc::c_void, end - start, libc::MADV_DONTNEED);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_maps_lines() {
        let m = Mapping::parse(
            "55d0c0a00000-55d0c0b00000 r-xp 00001000 fd:01 1234                       /usr/bin/skiff-monitor",
        )
        .expect("a mapping");
        assert_eq!((m.start, m.end), (0x55d0c0a00000, 0x55d0c0b00000));
        assert!(m.private && !m.writable);
        assert_eq!(m.path, "/usr/bin/skiff-monitor");
        let anon = Mapping::parse("7ffd1000-7ffd3000 rw-p 00000000 00:00 0 ").expect("anon");
        assert_eq!(anon.path, "");
        let stack =
            Mapping::parse("7ffd1000-7ffd3000 rw-p 00000000 00:00 0      [stack]").expect("stack");
        assert_eq!(stack.path, "[stack]");
        let shared = Mapping::parse("1000-2000 rw-s 00000000 00:05 9 /dev/zero").expect("shared");
        assert!(!shared.private && shared.writable);
    }

    #[test]
    fn releasing_keeps_the_process_working() {
        let before: Vec<u64> = (0..1000).collect();
        release_startup_memory();
        let after: u64 = before.iter().sum();
        assert_eq!(after, 999 * 1000 / 2);
        // Formatting and allocation run code and data released just now.
        assert_eq!(format!("{:?}", &before[..3]), "[0, 1, 2]");
    }
}
