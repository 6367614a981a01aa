/*
 * run_floor_min: the least a `docker run --rm --network none IMAGE CMD` must do, and nothing
 * an engine adds (no image lookup, no spec, no record, no monitor): the floor of a container
 * with docker's semantics, measured beside `unshare -Urmpf --mount-proc true` and skiff by
 * benches/compare.sh (`RESULT run_floor_min`). Not part of skiff: compiled with cc at bench time.
 *
 *   run_floor_min [-u USERNS] -l LOWERDIRS -w WORKBASE [-s BPF] -- CMD [ARG...]
 *
 *   -u USERNS   a user namespace to join (/proc/PID/ns/user of skiff's pause process, as skiff's
 *               monitor joins it); without it, a new one mapping the caller's uid and gid to 0
 *               (what `unshare -Ur` does: the floor's way).
 *   -l LOWERDIRS the image's layer directories, top first, ':'-separated (overlay's lowerdir).
 *   -w WORKBASE where the container's directory (upper, work, merged, hosts...) is made and,
 *               after the command's exit, removed.
 *   -t          print the CPU time of each step (this process's and the child's) on stderr.
 *   -s BPF      a seccomp cache file of skiff's (`cache/seccomp/HASH.bpf`: docker's default profile,
 *               compiled), installed as skiff installs it.
 *
 * In order: the container's directory and its /etc/hosts, /etc/hostname and /etc/resolv.conf
 * (docker writes and binds those); the user namespace; a new PID namespace; fork (the child is
 * PID 1); in the child: new mount, network, IPC and UTS namespaces, / made rprivate, the
 * hostname, `lo` up, the overlay (userxattr, volatile: as skiff mounts a --rm container's),
 * /proc, a /dev tmpfs with the host's six device nodes bound and its links, /dev/pts, /dev/shm,
 * /dev/mqueue, sysfs read-only, the three /etc files bound, pivot_root, docker's masked and
 * read-only paths, the bounding set cut to docker's 14 capabilities, the seccomp filter
 * (without no_new_privs, as docker's default: installed while CAP_SYS_ADMIN is held), the
 * capability sets, exec. The parent waits for it and removes the container's directory, and
 * exits with the command's code.
 *
 * Left out as runc's own concerns rather than docker's semantics: the copy of the runtime's
 * binary against CVE-2019-5736, cgroups (rootless without delegation), the console.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <net/if.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int show_times;

/* -t: the CPU time this process used since the last mark, with what it was spent on. */
static double last;
static void mark(const char *what) {
    struct timespec ts;
    if (!show_times)
        return;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    double now = ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
    fprintf(stderr, "run_floor_min: %-28s %.3f ms CPU\n", what, now - last);
    last = now;
}

static void die(const char *what) {
    fprintf(stderr, "run_floor_min: %s: %s\n", what, strerror(errno));
    _exit(125);
}

static void write_file(const char *path, const char *data) {
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0 || write(fd, data, strlen(data)) != (ssize_t)strlen(data))
        die(path);
    close(fd);
}

static void do_mount(const char *src, const char *dst, const char *type, unsigned long flags,
                     const char *data) {
    if (mount(src, dst, type, flags, data) != 0) {
        fprintf(stderr, "run_floor_min: mount %s on %s: %s\n", src ? src : "-", dst,
                strerror(errno));
        _exit(125);
    }
}

/* Make an empty file (a bind's mount point for a file) if missing. */
static void touch(const char *path) {
    int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0)
        die(path);
    close(fd);
}

/* skiff's seccomp cache file: "skiff-bpf 2\n", two SHA-256s, a count (u32 LE), then per
 * program its length (u32 LE) and its instructions (code u16, jt u8, jf u8, k u32). */
#define MAX_PROGS 16
static struct sock_fprog progs[MAX_PROGS];
static int nprogs;

static void read_bpf(const char *path) {
    static unsigned char buf[1 << 20];
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        die(path);
    ssize_t n = read(fd, buf, sizeof buf);
    close(fd);
    const char magic[] = "skiff-bpf 2\n";
    size_t off = sizeof magic - 1 + 64;
    if (n < (ssize_t)off + 4 || memcmp(buf, magic, sizeof magic - 1) != 0) {
        fprintf(stderr, "run_floor_min: %s: not a skiff-bpf 2 file\n", path);
        _exit(125);
    }
    uint32_t count;
    memcpy(&count, buf + off, 4);
    off += 4;
    for (uint32_t i = 0; i < count && i < MAX_PROGS; i++) {
        uint32_t len;
        if (off + 4 > (size_t)n)
            break;
        memcpy(&len, buf + off, 4);
        off += 4;
        if (off + (size_t)len * 8 > (size_t)n)
            break;
        progs[nprogs].len = (unsigned short)len;
        progs[nprogs].filter = (struct sock_filter *)(buf + off);
        nprogs++;
        off += (size_t)len * 8;
    }
}

/* docker's default capabilities. */
static const int keep_caps[] = {
    CAP_CHOWN,  CAP_DAC_OVERRIDE, CAP_FOWNER,           CAP_FSETID, CAP_KILL,
    CAP_SETGID, CAP_SETUID,       CAP_SETPCAP,          CAP_NET_BIND_SERVICE,
    CAP_NET_RAW, CAP_SYS_CHROOT,  CAP_MKNOD,            CAP_AUDIT_WRITE, CAP_SETFCAP,
};

static const char *masked[] = {
    "/proc/asound",      "/proc/acpi",         "/proc/interrupts", "/proc/kcore",
    "/proc/keys",        "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats",
    "/proc/sched_debug", "/proc/scsi",         "/sys/firmware",    "/sys/devices/virtual/powercap",
};
static const char *readonly[] = {"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys",
                                 "/proc/sysrq-trigger"};
static const char *devices[] = {"null", "zero", "full", "random", "urandom", "tty"};

static char base[4096];

static int child(const char *lower, char **cmd) {
    char p[16384];
    last = 0; /* a new process: its CPU clock starts at 0 */
    mark("child: fork");
    if (unshare(CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS) != 0)
        die("unshare (mount, net, ipc, uts)");
    mark("child: mount net ipc uts ns");
    do_mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL);
    if (sethostname("floormin", 8) != 0)
        die("sethostname");
    int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    struct ifreq ifr = {0};
    strcpy(ifr.ifr_name, "lo");
    if (s < 0 || ioctl(s, SIOCGIFFLAGS, &ifr) != 0)
        die("lo");
    ifr.ifr_flags |= IFF_UP;
    if (ioctl(s, SIOCSIFFLAGS, &ifr) != 0)
        die("lo up");
    close(s);
    mark("child: rprivate, hostname, lo");

    snprintf(p, sizeof p, "lowerdir=%s,upperdir=%s/upper,workdir=%s/work,userxattr,volatile",
             lower, base, base);
    char merged[4200];
    snprintf(merged, sizeof merged, "%s/merged", base);
    do_mount("overlay", merged, "overlay", 0, p);
    mark("child: overlay");
    if (chdir(merged) != 0)
        die("chdir merged");
    do_mount("proc", "proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
    do_mount("tmpfs", "dev", "tmpfs", MS_NOSUID | MS_STRICTATIME, "mode=755,size=65536k");
    mkdir("dev/pts", 0755);
    mkdir("dev/shm", 01777);
    mkdir("dev/mqueue", 0755);
    if (mount("devpts", "dev/pts", "devpts", MS_NOSUID | MS_NOEXEC,
              "newinstance,ptmxmode=0666,mode=0620,gid=5") != 0)
        /* gid 5 unmapped (a one-id namespace): as runc does, without it. */
        do_mount("devpts", "dev/pts", "devpts", MS_NOSUID | MS_NOEXEC,
                 "newinstance,ptmxmode=0666,mode=0620");
    do_mount("shm", "dev/shm", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
             "mode=1777,size=67108864");
    do_mount("mqueue", "dev/mqueue", "mqueue", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
    do_mount("sysfs", "sys", "sysfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
    const char *etc[] = {"hosts", "hostname", "resolv.conf"};
    for (unsigned i = 0; i < 3; i++) {
        char src[4200], dst[64];
        snprintf(src, sizeof src, "%s/%s", base, etc[i]);
        snprintf(dst, sizeof dst, "etc/%s", etc[i]);
        touch(dst);
        do_mount(src, dst, NULL, MS_BIND, NULL);
    }
    for (unsigned i = 0; i < sizeof devices / sizeof *devices; i++) {
        char src[64], dst[64];
        snprintf(src, sizeof src, "/dev/%s", devices[i]);
        snprintf(dst, sizeof dst, "dev/%s", devices[i]);
        touch(dst);
        do_mount(src, dst, NULL, MS_BIND, NULL);
    }
    symlink("/proc/self/fd", "dev/fd");
    symlink("/proc/self/fd/0", "dev/stdin");
    symlink("/proc/self/fd/1", "dev/stdout");
    symlink("/proc/self/fd/2", "dev/stderr");
    symlink("pts/ptmx", "dev/ptmx");
    mark("child: /proc /dev /sys /etc");
    if (syscall(SYS_pivot_root, ".", ".") != 0)
        die("pivot_root");
    if (umount2(".", MNT_DETACH) != 0)
        die("umount old root");
    if (chdir("/") != 0)
        die("chdir /");

    mark("child: pivot_root, umount");
    for (unsigned i = 0; i < sizeof masked / sizeof *masked; i++) {
        struct stat st;
        if (stat(masked[i], &st) != 0)
            continue;
        if (S_ISDIR(st.st_mode))
            do_mount("tmpfs", masked[i], "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
                     NULL);
        else
            do_mount("/dev/null", masked[i], NULL, MS_BIND, NULL);
    }
    for (unsigned i = 0; i < sizeof readonly / sizeof *readonly; i++) {
        if (access(readonly[i], F_OK) != 0)
            continue;
        do_mount(readonly[i], readonly[i], NULL, MS_BIND | MS_REC, NULL);
        do_mount(NULL, readonly[i], NULL,
                 MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
    }

    mark("child: masked, read-only");
    uint64_t keep = 0;
    for (unsigned i = 0; i < sizeof keep_caps / sizeof *keep_caps; i++)
        keep |= 1ULL << keep_caps[i];
    for (int c = 0; c <= 63; c++) {
        if (keep & (1ULL << c))
            continue;
        if (prctl(PR_CAPBSET_DROP, c, 0, 0, 0) != 0) {
            if (errno == EINVAL)
                break; /* past the last capability */
            die("PR_CAPBSET_DROP");
        }
    }
    /* Without no_new_privs (docker's default) the kernel wants CAP_SYS_ADMIN for the filter. */
    for (int i = 0; i < nprogs; i++)
        if (progs[i].len && syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &progs[i]) != 0)
            die("seccomp");
    struct __user_cap_header_struct hdr = {_LINUX_CAPABILITY_VERSION_3, 0};
    struct __user_cap_data_struct data[2] = {{0}};
    data[0].effective = data[0].permitted = data[0].inheritable = (uint32_t)keep;
    data[1].effective = data[1].permitted = data[1].inheritable = (uint32_t)(keep >> 32);
    if (syscall(SYS_capset, &hdr, data) != 0)
        die("capset");
    mark("child: caps, seccomp");
    char *env[] = {"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                   "HOSTNAME=floormin", "HOME=/root", NULL};
    execve(cmd[0], cmd, env);
    die(cmd[0]);
    return 125;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
    (void)st;
    (void)flag;
    (void)ftw;
    remove(path);
    return 0;
}

int main(int argc, char **argv) {
    const char *userns = NULL, *lower = NULL, *workbase = NULL, *bpf = NULL;
    int opt;
    while ((opt = getopt(argc, argv, "+u:l:w:s:t")) != -1) {
        switch (opt) {
        case 't': show_times = 1; break;
        case 'u': userns = optarg; break;
        case 'l': lower = optarg; break;
        case 'w': workbase = optarg; break;
        case 's': bpf = optarg; break;
        default: goto usage;
        }
    }
    if (!lower || !workbase || optind >= argc) {
    usage:
        fprintf(stderr, "usage: run_floor_min [-u USERNS] -l LOWERDIRS -w WORKBASE [-s BPF] -- "
                        "CMD [ARG...]\n");
        return 125;
    }
    if (bpf)
        read_bpf(bpf);
    mark("parent: start, read the filter");

    snprintf(base, sizeof base, "%s/ctr.XXXXXX", workbase);
    if (!mkdtemp(base))
        die("mkdtemp");
    char p[4200];
    const char *dirs[] = {"upper", "work", "merged"};
    for (unsigned i = 0; i < 3; i++) {
        snprintf(p, sizeof p, "%s/%s", base, dirs[i]);
        if (mkdir(p, 0755) != 0)
            die(p);
    }
    snprintf(p, sizeof p, "%s/hosts", base);
    write_file(p, "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n");
    snprintf(p, sizeof p, "%s/hostname", base);
    write_file(p, "floormin\n");
    snprintf(p, sizeof p, "%s/resolv.conf", base);
    write_file(p, "nameserver 127.0.0.1\n");

    if (userns) {
        int fd = open(userns, O_RDONLY | O_CLOEXEC);
        if (fd < 0 || setns(fd, CLONE_NEWUSER) != 0)
            die(userns);
        close(fd);
    } else {
        char map[64];
        uid_t uid = getuid();
        gid_t gid = getgid();
        if (unshare(CLONE_NEWUSER) != 0)
            die("unshare user");
        write_file("/proc/self/setgroups", "deny");
        snprintf(map, sizeof map, "0 %u 1", uid);
        write_file("/proc/self/uid_map", map);
        snprintf(map, sizeof map, "0 %u 1", gid);
        write_file("/proc/self/gid_map", map);
    }
    if (unshare(CLONE_NEWPID) != 0)
        die("unshare pid");
    mark("parent: dirs, files, userns, pid ns");
    pid_t pid = fork();
    if (pid < 0)
        die("fork");
    if (pid == 0)
        return child(lower, argv + optind);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            die("waitpid");
    mark("parent: fork, wait");
    /* As root of the user namespace: the upper and work directories hold files of its ids. */
    nftw(base, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    mark("parent: remove the directory");
    if (WIFEXITED(status))
        return WEXITSTATUS(status);
    return 128 + WTERMSIG(status);
}
