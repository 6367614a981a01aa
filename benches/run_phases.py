#!/usr/bin/env python3
"""The phases of `skiff run --rm ... true` and the CPU each process spends in each (benches/
run_phases.sh records them): from `perf script` output of the scheduler tracepoints (fork,
exec, exit, switch) and the syscall tracepoints of mount and seccomp. A phase begins at its
key event (the monitor's fork, its exec, the init's clone, its first mount, its seccomp, the
command's exec, the command's exit, the monitor's exit or its rename to skiff-rm once it told
the command the code) and lasts until the next one; the time
each process of the run is on a CPU in it is summed. On-CPU time, unlike wall time, hardly
moves when other work shares the machine. Usage: run_phases.py PERF_SCRIPT_TEXT SKIFF_PATH"""
import re, sys, statistics, collections
LINE = re.compile(r'\s*(\S.*?)\s+(\d+)/(\d+)\s+\[(\d+)\]\s+([\d.]+):\s+(\S+):\s*(.*)')
exe = sys.argv[2]
rows = []
for line in open(sys.argv[1], errors='replace'):
    m = LINE.match(line)
    if m:
        comm, pid, tid, cpu, t, ev, rest = m.groups()
        rows.append((float(t) * 1000, comm, int(pid), int(tid), ev.split(':')[-1], rest))
starts = [i for i, r in enumerate(rows) if r[4] == 'sched_process_exec' and r[5].startswith('filename=' + exe + ' ')]
per = collections.defaultdict(list)
order = []
for k, a in enumerate(starts):
    b = starts[k + 1] if k + 1 < len(starts) else len(rows)
    run = rows[a:b]
    root = run[0][3]
    ours = {root}; role = {root: 'cli'}
    phase = 'cli: start, parse, create'
    running = {root: run[0][0]}
    acc = collections.Counter()
    done = False
    seen = set()
    renamed = None
    def setphase(p):
        global phase
        if p not in order: order.append(p)
        phase = p
    setphase(phase)
    def charge(tid, t):
        if tid in running:
            acc[(phase, role[tid])] += t - running.pop(tid)
    for t, comm, pid, tid, e, rest in run:
        key = None
        if e == 'sched_process_fork' and tid in ours:
            c = int(re.search(r'child_pid=(\d+)', rest).group(1)); ours.add(c)
            r = {'cli': 'monitor', 'monitor': 'init'}.get(role[tid], role[tid] + '+')
            # The monitor's second child: the `--rm` container's remover (skiff-rm).
            role[c] = 'rm' if r == 'init' and 'init' in role.values() else r
            key = {'monitor': 'monitor: fork..exec/start', 'init': 'init: clone..first mount'}.get(role[c])
        elif e == 'sched_process_exec' and tid in ours and tid != root:
            if role[tid] == 'monitor': key = 'monitor: start..clone init'
            elif 'true' in rest: key = 'container: true runs, exits'
        elif e == 'sys_enter_mount' and role.get(tid) == 'init' and 'mounts' not in seen:
            seen.add('mounts'); key = 'init: mounts, pivot_root'
        elif e == 'sys_enter_seccomp' and role.get(tid) == 'init' and 'sec' not in seen:
            seen.add('sec'); key = 'init: seccomp..exec'
        elif e == 'sched_process_exit' and tid in ours:
            if role[tid] == 'init': key = 'monitor: exit seen..trashed, told'
            if role[tid] == 'monitor': key = 'cli: exit'
        elif e == 'task_rename' and role.get(tid) == 'monitor' and 'newcomm=skiff-rm' in rest:
            # The monitor told the command the code and deletes the files itself now.
            key = 'cli: exit'; renamed = tid
        if e == 'sched_switch':
            m = re.search(r'prev_pid=(\d+) .*next_pid=(\d+)', rest)
            p, n = int(m.group(1)), int(m.group(2))
            if p in ours: charge(p, t)
            if n in ours: running[n] = t
        if key:
            for x in list(running): charge(x, t); running[x] = t
            setphase(key)
            if renamed is not None: role[renamed] = 'rm'; renamed = None
        if e == 'sched_process_exit' and tid == root:
            on_cpu = {x: t for x in running}
            for x in list(running): charge(x, t)
            done = True
            rest_at = run.index((t, comm, pid, tid, e, rest)) + 1
            break
    if done:
        # The remover after the command's exit (until the next run's start, at most).
        rm = [x for x, r in role.items() if r == 'rm']
        if rm:
            setphase('after the exit: skiff-rm deletes the files')
            since = {x: v for x, v in on_cpu.items() if x in rm}
            for t, comm, pid, tid, e, rest in run[rest_at:]:
                if e == 'sched_switch':
                    m = re.search(r'prev_pid=(\d+) .*next_pid=(\d+)', rest)
                    p, n = int(m.group(1)), int(m.group(2))
                    if p in rm and p in since: acc[(phase, 'rm')] += t - since.pop(p)
                    if n in rm: since[n] = t
        for p in order:
            for r in ('cli', 'monitor', 'init', 'init+', 'rm'):
                per[(p, r)].append(acc[(p, r)])
tot = after = 0
print('runs', len(per[(order[0], 'cli')]))
for p in order:
    cells = []
    for r in ('cli', 'monitor', 'init', 'rm'):
        v = per[(p, r)]
        if v and statistics.median(v) > 0.005:
            cells.append(f'{r} {statistics.median(v):.2f}')
            if p.startswith('after'): after += statistics.median(v)
            else: tot += statistics.median(v)
    print(f'{p:40s} ' + ', '.join(cells))
print('sum of medians', round(tot, 2), '(until the command exits)')
if after: print('after the exit', round(after, 2), '(off the command\'s wait)')
