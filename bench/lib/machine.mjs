// What the figures were measured on, and memory and CPU readings of processes (Linux /proc).
import fs from 'node:fs';
import os from 'node:os';

/** The machine of this run: CPU model and count, total memory, OS and Node versions. */
export function describeMachine() {
  const cpus = os.cpus();
  return {
    cpuModel: cpus[0]?.model?.trim() ?? 'unknown',
    cpus: cpus.length,
    totalMemoryMb: Math.round(os.totalmem() / 2 ** 20),
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
  };
}

/** VmRSS and VmHWM (peak resident set) of `pid` in MB, or undefined when /proc cannot tell. */
export function memoryOf(pid) {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (name) => {
      const match = new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status);
      return match ? Number(match[1]) / 1024 : undefined;
    };
    return { rssMb: kb('VmRSS'), peakRssMb: kb('VmHWM') };
  } catch {
    return undefined;
  }
}

/**
 * A /proc/<pid>/stat text: the command, and the fields after it (stat(5)'s field 3 onwards; the
 * command may itself hold spaces and parentheses, so it ends at the last ")").
 */
function statOf(text) {
  const end = text.lastIndexOf(')');
  return { command: text.slice(text.indexOf('(') + 1, end), fields: text.slice(end + 2).split(' ') };
}

/** CPU time (user + system, ms) a process has used so far, from /proc: 0 where /proc is missing. */
export function cpuMsOf(pid) {
  try {
    const { fields } = statOf(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
    // utime and stime are fields 14 and 15 of stat(5), in clock ticks (100 per second on Linux).
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return 0;
  }
}

/**
 * CPU time (ms) used so far by every process of this machine named `command` (its backends, for
 * `postgres`), plus what their ended children used: 0 where /proc is missing.
 */
export function commandCpuMs(command) {
  let pids = [];
  try {
    pids = fs.readdirSync('/proc').filter((name) => /^\d+$/.test(name));
  } catch {
    return 0;
  }
  let total = 0;
  for (const pid of pids) {
    try {
      const stat = statOf(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
      if (stat.command !== command) continue;
      // utime, stime, cutime, cstime: fields 14-17 of stat(5), in clock ticks.
      total += (Number(stat.fields[11]) + Number(stat.fields[12]) + Number(stat.fields[13]) + Number(stat.fields[14])) * 10;
    } catch {
      // The process ended between the listing and the read.
    }
  }
  return total;
}
