// Throttling of repeated log lines: the first few of a kind are logged, the rest are counted and
// reported later, so a wrong password or a HAProxy warning per server pair cannot flood the log.

export type ThrottleOptions = {
  /** How long a window lasts for one kind of line, ms. */
  windowMs: number;
  /** Lines of one kind logged in a window; the rest are counted. */
  perWindow: number;
  /** Most kinds remembered at once (default 1000): past it, ended windows with nothing counted
   * are forgotten, then the oldest, so a stream of ever new lines cannot grow the map. */
  maxKinds?: number;
  now?: () => number;
};

export type Admission =
  /** Log it; `suppressed` lines of this kind were counted, not logged, in the window before. */
  { admitted: true; suppressed: number } | { admitted: false };

export type LogThrottle = {
  /** Whether a line of kind `key` is to be logged now. */
  admit(key: string): Admission;
  /** Every kind with lines counted but not reported yet, with its count; the counts restart. */
  drain(): Array<{ key: string; suppressed: number }>;
};

type Window = { startedAt: number; logged: number; suppressed: number };

export function createLogThrottle(options: ThrottleOptions): LogThrottle {
  const now = options.now ?? Date.now;
  const windows = new Map<string, Window>();
  const maxKinds = options.maxKinds ?? 1000;
  const forgetSome = (at: number) => {
    for (const [key, window] of windows) {
      if (window.suppressed === 0 && at - window.startedAt >= options.windowMs) windows.delete(key);
    }
    // Still full: the oldest kinds go, with what they counted.
    for (const key of windows.keys()) {
      if (windows.size < maxKinds) break;
      windows.delete(key);
    }
  };
  return {
    admit(key) {
      const at = now();
      const window = windows.get(key);
      if (!window || at - window.startedAt >= options.windowMs) {
        if (!window && windows.size >= maxKinds) forgetSome(at);
        windows.set(key, { startedAt: at, logged: 1, suppressed: 0 });
        return { admitted: true, suppressed: window?.suppressed ?? 0 };
      }
      if (window.logged < options.perWindow) {
        window.logged++;
        return { admitted: true, suppressed: 0 };
      }
      window.suppressed++;
      return { admitted: false };
    },
    drain() {
      const counted: Array<{ key: string; suppressed: number }> = [];
      for (const [key, window] of windows) {
        if (window.suppressed > 0) counted.push({ key, suppressed: window.suppressed });
      }
      windows.clear();
      return counted;
    },
  };
}
