/**
 * CPU taken by processes other than the ones a row measures: the machine's busy time from /proc/stat
 * over the row, minus the server's and the load generator's own (and this process's). A row where
 * others took a noticeable share of the machine is not comparable with the rest.
 */
import { readFileSync } from "node:fs";
import os from "node:os";

/** Clock ticks per second of /proc (USER_HZ): 100 on Linux. */
const HZ = 100;

/** Busy seconds of the whole machine since boot (all but idle and iowait). */
export function machineBusySeconds(): number {
  const fields = readFileSync("/proc/stat", "utf8").split("\n")[0]!.trim().split(/\s+/).slice(1).map(Number);
  const [user, nice, system, , , irq, softirq, steal] = fields as [number, number, number, number, number, number, number, number];
  return (user + nice + system + irq + softirq + steal) / HZ;
}

/** CPU seconds a live process has used (all its threads). */
export function processSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / HZ;
}

/** The share of the machine (0–1) others took over `wallSeconds`, given the busy seconds of the row's own processes. */
export function othersShare(options: { busyBefore: number; busyAfter: number; ownSeconds: number; wallSeconds: number }): number {
  const others = options.busyAfter - options.busyBefore - options.ownSeconds;
  return Math.max(0, others) / (options.wallSeconds * os.cpus().length);
}
