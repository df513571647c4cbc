// sluice's own RLIMIT_NOFILE, which HAProxy inherits: read, and raised as far as allowed at start
// (through bun:ffi, as src/systemd/libc.ts does for sd_notify).

import { dlopen, FFIType, ptr } from "bun:ffi";

const RLIMIT_NOFILE = 7;
/** Limits above this ("infinity") count as this: systemd's own default ceiling. */
const CEILING = 1_048_576;

/** The soft and hard limits on open files. */
export type OpenFileLimit = { soft: number; hard: number };

export type Rlimit = { get(): OpenFileLimit | undefined; set(limit: OpenFileLimit): boolean };

function loadRlimit(): Rlimit | undefined {
  try {
    const { symbols } = dlopen("libc.so.6", {
      getrlimit: { args: [FFIType.i32, FFIType.ptr], returns: FFIType.i32 },
      setrlimit: { args: [FFIType.i32, FFIType.ptr], returns: FFIType.i32 },
    });
    // struct rlimit: two rlim_t (unsigned long on 64-bit Linux).
    const buffer = new BigUint64Array(2);
    return {
      get() {
        if (symbols.getrlimit(RLIMIT_NOFILE, ptr(buffer)) !== 0) return undefined;
        const clamp = (value: bigint) => Number(value > BigInt(CEILING) ? BigInt(CEILING) : value);
        return { soft: clamp(buffer[0]!), hard: clamp(buffer[1]!) };
      },
      set(limit) {
        buffer[0] = BigInt(limit.soft);
        buffer[1] = BigInt(limit.hard);
        return symbols.setrlimit(RLIMIT_NOFILE, ptr(buffer)) === 0;
      },
    };
  } catch {
    return undefined;
  }
}

/**
 * Raises the soft limit to the hard one (what systemd's `LimitNOFILE=` or `ulimit -Hn` allows);
 * returns the limits now in force, or undefined when libc cannot be reached.
 */
export function raiseOpenFileLimit(
  rlimit: Rlimit | undefined = loadRlimit(),
): OpenFileLimit | undefined {
  const before = rlimit?.get();
  if (!rlimit || !before) return undefined;
  if (before.soft < before.hard) rlimit.set({ soft: before.hard, hard: before.hard });
  return rlimit.get() ?? before;
}

let raised: OpenFileLimit | undefined;

/** The soft limit HAProxy starts with: raised once per process on first use. */
export function openFileLimit(): number {
  raised ??= raiseOpenFileLimit() ?? { soft: 1024, hard: 1024 };
  return raised.soft;
}
