#!/usr/bin/env python3
"""The steps of `docker run --rm` through the service and of `skiff run --rm`, from `perf script`
output of sched exec/exit and syscall-exit tracepoints (see benches/api.sh --breakdown)."""
import re
import statistics
import sys

LINE = re.compile(r'\s*(\S.*?)\s+(\d+)/(\d+)\s+([\d.]+):\s+(\S+):\s*(.*)')


def rows(path):
    out = []
    for line in open(path, errors='replace'):
        m = LINE.match(line)
        if m:
            comm, pid, tid, t, ev, rest = m.groups()
            out.append((float(t) * 1000, comm, int(pid), int(tid), ev.split(':')[-1], rest))
    return out


def ret(rest):
    try:
        v = int(rest.split()[-1], 16)
    except ValueError:
        return -1
    return v - (1 << 64) if v >= 1 << 63 else v


def runs(rs, exe):
    starts = [i for i, r in enumerate(rs) if r[4] == 'sched_process_exec' and r[5].startswith(f'filename={exe} ')]
    starts.append(len(rs))
    return [rs[a:b] for a, b in zip(starts, starts[1:])]


def descendants(run, root):
    """The processes `root` started during the run, and theirs (other engines' monitors and
    containers may run beside it)."""
    out = {root}
    for r in run:
        if r[4] == 'sched_process_fork' and r[2] in out:
            m = re.search(r'child_pid=(\d+)', r[5])
            if m:
                out.add(int(m.group(1)))
    return out


def is_event_write(r, ours):
    # The monitor appends events (start, die, destroy) of 300-500 bytes to the events log.
    return r[2] in ours and r[4] == 'sys_exit_write' and 300 <= ret(r[5]) <= 500 and r[1] != 'skiff'


def api_phases(run, service):
    t0 = run[0][0]
    docker = run[0][2]
    # The service's own thread (the event loop) reads every request and writes every answer.
    req = [r[0] for r in run if r[3] == service and r[4] == 'sys_exit_recvfrom' and ret(r[5]) > 0]
    resp = [r[0] for r in run if r[3] == service and r[4] == 'sys_exit_writev' and ret(r[5]) > 0]
    ours = descendants(run, service)
    ctr_exit = [r[0] for r in run if r[4] == 'sched_process_exit' and r[1] == 'true' and r[2] == r[3] and r[2] in ours]
    mon_exit = [r[0] for r in run if r[4] == 'sched_process_exit' and r[1] == 'skiff-monitor' and r[2] == r[3] and r[2] in ours]
    events = [r[0] for r in run if is_event_write(r, ours)]
    end = [r[0] for r in run if r[4] == 'sched_process_exit' and r[2] == docker and r[3] == docker]
    if len(req) < 5 or len(resp) < 6 or not ctr_exit or len(events) < 3 or not end:
        return None
    return {
        'docker start to _ping': req[0] - t0,
        'create (service)': resp[1] - req[1],
        'docker between requests': (req[1] - resp[0]) + (req[2] - resp[1]) + (req[3] - resp[2]) + (req[4] - resp[3]),
        'attach + wait (service)': (resp[2] - req[2]) + (resp[3] - req[3]),
        'start (service: monitor, container up)': resp[4] - req[4],
        'container exit to die': events[-2] - ctr_exit[0],
        'die to destroy (removal)': events[-1] - events[-2],
        'destroy to wait answer': resp[5] - events[-1],
        'monitor exit after destroy': (mon_exit[-1] - events[-1]) if mon_exit else float('nan'),
        'wait answer to docker exit': end[-1] - resp[5],
        'total': end[-1] - t0,
    }


def cli_phases(run):
    t0 = run[0][0]
    skiff = run[0][2]
    ours = descendants(run, skiff)
    parent = {}
    forked = {}
    for r in run:
        if r[4] == 'sched_process_fork' and r[2] in ours:
            m = re.search(r'child_pid=(\d+)', r[5])
            if m:
                parent[int(m.group(1))] = r[2]
                forked[int(m.group(1))] = r[0]
    ctr_rows = [r for r in run if r[4] == 'sched_process_exec' and r[5].startswith('filename=/bin/true') and r[2] in ours]
    ctr = [r[0] for r in ctr_rows]
    # The container's monitor: the command's child the container descends from. A
    # foreground monitor is the command forked (no exec); a detached one execs skiff-monitor
    # (or skiff itself where no skiff-monitor was built beside it).
    mon_pid = ctr_rows[0][2] if ctr_rows else None
    while mon_pid is not None and parent.get(mon_pid) not in (skiff, None):
        mon_pid = parent.get(mon_pid)
    if mon_pid is None or parent.get(mon_pid) != skiff:
        return None
    execs = [r[0] for r in run if r[4] == 'sched_process_exec' and r[2] == mon_pid]
    mon = execs[:1] or [forked[mon_pid]]
    ctr_exit = [r[0] for r in run if r[4] == 'sched_process_exit' and r[1] == 'true' and r[2] == r[3] and r[2] in ours]
    # The monitor's event-log appends (start, die, destroy), whatever its command name.
    events = [r[0] for r in run if r[2] == mon_pid and r[4] == 'sys_exit_write' and 300 <= ret(r[5]) <= 500]
    end = [r[0] for r in run if r[4] == 'sched_process_exit' and r[2] == skiff and r[3] == skiff]
    if not mon or not ctr or not ctr_exit or len(events) < 3 or not end:
        return None
    return {
        'skiff start, create, monitor spawn': min(mon) - t0,
        'monitor to container up': ctr[0] - min(mon),
        'container exit to die': events[-2] - ctr_exit[0],
        'die to destroy (removal)': events[-1] - events[-2],
        'destroy to skiff exit': end[-1] - events[-1],
        'total': end[-1] - t0,
    }


def report(name, phases):
    phases = [p for p in phases if p]
    if not phases:
        print(f'# {name}: no complete run in the trace')
        return
    print(f'# {name}: medians of {len(phases)} traced runs (ms)')
    for k in phases[0]:
        print(f'BREAKDOWN {name} {k}: {statistics.median(p[k] for p in phases):.2f}')


# breakdown.py PERF_SCRIPT_OUTPUT SKIFF_PATH SERVICE_PID
rs = rows(sys.argv[1])
report('api_run', [api_phases(r, int(sys.argv[3])) for r in runs(rs, '/usr/bin/docker')])
report('cli_run', [cli_phases(r) for r in runs(rs, sys.argv[2])])
