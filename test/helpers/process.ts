// Test processes: whether they are still alive, and what /proc says about them.

import { readdirSync, readFileSync } from "node:fs";

/** Whether `pid` runs (a zombie waiting for its parent counts as gone). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return !readFileSync(`/proc/${pid}/stat`, "utf8").includes(") Z ");
  } catch {
    return false;
  }
}

/** Live processes running `program` (by argv0's name) with an argument that contains `needle`. */
export function processesWith(program: string, needle: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    let argv: string[];
    try {
      argv = readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0");
    } catch {
      continue;
    }
    const name = argv[0]?.split("/").at(-1);
    if (name === program && argv.some((arg) => arg.includes(needle)) && isAlive(Number(entry))) {
      found.push(Number(entry));
    }
  }
  return found;
}

/** The environment `pid` was started with (/proc/PID/environ), as NAME=value lines. */
export function environmentOf(pid: number): string[] {
  return readFileSync(`/proc/${pid}/environ`, "utf8").split("\0").filter(Boolean);
}

/** The real user id `pid` runs as. */
export function uidOf(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, "utf8")
    .split("\n")
    .find((candidate) => candidate.startsWith("Uid:"));
  return Number(line?.split(/\s+/)[1]);
}
