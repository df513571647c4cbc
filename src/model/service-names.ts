// Which services may share the Host headers: HAProxy matches Host without case, so a service whose
// name differs only in case from another's (or equals another's hostname) would take its traffic.
// Also which service takes unmatched Host headers. Pure.

/** A service name competing for its Host header. */
export type NameClaim = {
  name: string;
  /** 0: declared in sluice.toml; 1: served before (kept while empty); 2: registered in etcd. */
  standing: 0 | 1 | 2;
  /** The oldest creation revision among its accepted keys; Infinity without keys. */
  createRevision: number;
};

function byAge(a: NameClaim, b: NameClaim): number {
  if (a.standing !== b.standing) return a.standing - b.standing;
  if (a.createRevision !== b.createRevision) return a.createRevision < b.createRevision ? -1 : 1;
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

const CASE_NOTE = "HAProxy matches Host headers without case";

/**
 * The claims that lose their Host header, with why: of names equal but for case, the one
 * declared in sluice.toml wins, then the one served before, then the one registered first (etcd
 * creation revision). A name equal to another service's `hostnames` entry loses too. Clashes
 * between services both declared in sluice.toml are left to the config check.
 * `hostnames` maps each configured hostname, lower case, to its service.
 */
export function findCaseClashes(
  claims: readonly NameClaim[],
  hostnames: ReadonlyMap<string, string>,
): Map<string, string> {
  const losers = new Map<string, string>();
  const holders = new Map<string, string>();
  for (const claim of [...claims].sort(byAge)) {
    const lower = claim.name.toLowerCase();
    const owner = hostnames.get(lower);
    const holder = holders.get(lower);
    if (claim.standing > 0 && owner !== undefined && owner !== claim.name) {
      losers.set(
        claim.name,
        `service name "${claim.name}" is a hostname of service "${owner}"; ${CASE_NOTE}`,
      );
    } else if (claim.standing > 0 && holder !== undefined && holder !== claim.name) {
      const reason = `service name "${claim.name}" differs only in case from "${holder}", which came first; ${CASE_NOTE}`;
      losers.set(claim.name, reason);
    } else if (holder === undefined) {
      holders.set(lower, claim.name);
    }
  }
  return losers;
}

/**
 * The service unmatched Host headers go to: `configured` when set, else the service registered
 * first (the oldest creation revision of its keys; so registering a service never moves it),
 * else the first by name. "" without services.
 */
export function chooseDefaultService(
  services: readonly { name: string; createRevision: number }[],
  configured: string | undefined,
): string {
  if (configured) return configured;
  let chosen: { name: string; createRevision: number } | undefined;
  for (const service of services) {
    if (
      chosen === undefined ||
      service.createRevision < chosen.createRevision ||
      (service.createRevision === chosen.createRevision && service.name < chosen.name)
    ) {
      chosen = service;
    }
  }
  return chosen?.name ?? "";
}
