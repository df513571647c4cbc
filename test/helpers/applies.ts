// The applies a sluice logged, to tell which one first served a revision: a runtime update or a
// reload (a reload there is a reload on the critical path of that change).

export type LoggedApply = { revision: number; reload: boolean };

const APPLIED = /msg="haproxy (reloaded|started|updated through the runtime API)" revision=(\d+)/;

/** Each apply that changed what HAProxy serves, in log order. */
export function appliesLogged(log: string): LoggedApply[] {
  const applies: LoggedApply[] = [];
  for (const line of log.split("\n")) {
    const match = APPLIED.exec(line);
    if (match)
      applies.push({
        revision: Number(match[2]),
        reload: match[1] !== "updated through the runtime API",
      });
  }
  return applies;
}

/** Of `revisions`, those first served by a reload (or not served at all). */
export function servedByReload(log: string, revisions: readonly number[]): number[] {
  const applies = appliesLogged(log);
  return revisions.filter((revision) => {
    const first = applies.find((apply) => apply.revision >= revision);
    return first?.reload ?? true;
  });
}
