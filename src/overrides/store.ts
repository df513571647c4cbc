// Operator overrides of backend servers (drain, maint), by the etcd key that registered the
// server, and the runtime API commands that put them in force. Pure; kept in memory only: they do
// not survive a restart of sluice (HAProxy restarts with it and serves what etcd says).

/** What an operator can put a server in; `ready` lifts the override. */
export type OverrideAction = "drain" | "maint";
export type BackendAction = OverrideAction | "ready";

export const BACKEND_ACTIONS: readonly BackendAction[] = ["drain", "ready", "maint"];

export type Override = {
  /** The etcd key of the registration. */
  key: string;
  service: string;
  /** The server name, as in /v1/services. */
  backend: string;
  action: OverrideAction;
  /** When it was set (ISO 8601). */
  since: string;
};

export type OverrideStore = {
  set(override: Override): void;
  /** Lifts the override of `key`; returns it, if there was one. */
  clear(key: string): Override | undefined;
  get(key: string): Override | undefined;
  /** Every override, oldest first. */
  list(): Override[];
  /** Lifts the overrides of keys no longer served; returns them. */
  prune(served: ReadonlySet<string>): Override[];
};

export function createOverrideStore(): OverrideStore {
  const overrides = new Map<string, Override>();
  return {
    set(override) {
      // A changed action counts from now, and moves to the end.
      overrides.delete(override.key);
      overrides.set(override.key, override);
    },
    clear(key) {
      const override = overrides.get(key);
      overrides.delete(key);
      return override;
    },
    get: (key) => overrides.get(key),
    list: () => [...overrides.values()],
    prune(served) {
      const gone = [...overrides.values()].filter((override) => !served.has(override.key));
      for (const override of gone) overrides.delete(override.key);
      return gone;
    },
  };
}

/** The runtime API command that puts slot `slot` of backend `service` in `action`'s state.
 * HAProxy's admin states are exclusive (drain clears maint and back; ready clears both) and
 * `set server weight` leaves them alone, so the registration's weight survives an override. */
export function stateCommand(service: string, slot: string, action: BackendAction): string {
  return `set server ${service}/${slot} state ${action}`;
}

/** `backend/server` of every `set server` command in `commands`. */
export function touchedServers(commands: readonly string[]): Set<string> {
  const touched = new Set<string>();
  for (const command of commands) {
    const match = /^set server (\S+) /.exec(command);
    if (match) touched.add(match[1]!);
  }
  return touched;
}

/**
 * `commands` with each override they touch put back in force after them, in the same batch:
 * moving a server to a new address passes through `state ready`, which would lift it.
 * `slotOf` gives the slot HAProxy serves an override's key in.
 */
export function amendCommands(
  commands: readonly string[],
  overrides: readonly Override[],
  slotOf: (override: Override) => string | undefined,
): string[] {
  if (overrides.length === 0 || commands.length === 0) return [...commands];
  const touched = touchedServers(commands);
  const extra = overrides.flatMap((override) => {
    const slot = slotOf(override);
    if (slot === undefined || !touched.has(`${override.service}/${slot}`)) return [];
    return [stateCommand(override.service, slot, override.action)];
  });
  return [...commands, ...extra];
}
