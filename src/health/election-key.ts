// Where the removal leader's election lives in etcd: a prefix derived from the registration
// prefix, outside it, so no election key can ever be read as a registration. Pure.

/** The root every election prefix starts with. */
export const ELECTION_ROOT = "/sluice/health-leader";

/**
 * The election prefix of the sluice instances that watch registration prefix `prefix` (which
 * ends with `/`): `/sluice/health-leader/apps/` for `/apps/`. Each candidate's key is this
 * prefix and its lease id in hex, as etcd's own elections (`etcdctl elect`) name them; the
 * candidate whose key has the lowest create revision leads.
 */
export function electionPrefix(prefix: string): string {
  return `${ELECTION_ROOT}${prefix}`;
}

/** A candidate's key: the election prefix and its lease id in hex. */
export function candidateKey(prefix: string, leaseId: string): string {
  return `${electionPrefix(prefix)}${BigInt(leaseId).toString(16)}`;
}

/**
 * Why the election cannot live beside registration prefix `prefix`, or undefined when it can:
 * the two key ranges overlap exactly when `prefix` starts the election prefix (the election
 * prefix is the longer one), as `/`, `/sluice/` or `/sluice/health-leader/` do.
 */
export function electionOverlap(prefix: string): string | undefined {
  const election = electionPrefix(prefix);
  if (!election.startsWith(prefix)) return undefined;
  return `the removal leader's election keys (${election}…) would be under it and read as registrations; use a prefix that does not contain ${ELECTION_ROOT}, or turn removal off with [health] remove_after = "0s"`;
}
