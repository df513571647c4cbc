// One service's servers picked again after a few of its keys changed: only the server names those
// keys named are settled again, and the sorted list is patched, not sorted (see pickServers in
// build.ts, which this equals). Pure.

import { type Accepted, type PickedServers, pickServers, reject } from "./build.ts";
import { lookupSorted, patchSorted } from "./sorted.ts";

/** The keys claiming one server name: one (the usual case, kept without a map), or several. */
type Claims = Accepted | Map<string, Accepted>;

/** A service's decoded keys, by key and by the server name they claim. */
export type ServiceKeys = {
  keys: Map<string, Accepted>;
  byName: Map<string, Claims>;
};

/** Adds a decoded key to the claims on its server name. */
export function addClaim(service: ServiceKeys, entry: Accepted): void {
  const { name, key } = entry.server;
  const claims = service.byName.get(name);
  if (claims === undefined) service.byName.set(name, entry);
  else if (claims instanceof Map) claims.set(key, entry);
  else
    service.byName.set(
      name,
      new Map([
        [claims.server.key, claims],
        [key, entry],
      ]),
    );
}

/** Takes a decoded key out of the claims on its server name. */
export function removeClaim(service: ServiceKeys, entry: Accepted): void {
  const { name, key } = entry.server;
  const claims = service.byName.get(name);
  if (claims === entry) service.byName.delete(name);
  else if (claims instanceof Map) {
    claims.delete(key);
    if (claims.size === 1) service.byName.set(name, [...claims.values()][0]!);
  }
}

const serverName = (entry: Accepted) => entry.server.name;

/** The key that wins a server name: the lowest. */
function winnerOf(claims: Claims | undefined): Accepted | undefined {
  if (!(claims instanceof Map)) return claims;
  let winner: Accepted | undefined;
  for (const entry of claims.values()) {
    if (winner === undefined || entry.server.key < winner.server.key) winner = entry;
  }
  return winner;
}

/** The keys that lose server `name` to its winner, as rejections. */
function losersOf(
  claims: Claims | undefined,
  winner: Accepted | undefined,
): PickedServers["losers"] {
  if (!(claims instanceof Map) || !winner) return [];
  const { name, key } = winner.server;
  const reason = `server name "${name}" is already used by ${key}`;
  return [...claims.values()]
    .filter((entry) => entry !== winner)
    .map((entry) => ({ name, rejection: reject(entry.server.key, entry.value, reason) }));
}

/**
 * `previous` with the server names in `names` settled again from `service`'s keys; a service
 * without `previous`, or with many names changed, is picked whole.
 */
export function repickServers(
  service: ServiceKeys,
  previous: PickedServers | undefined,
  names: ReadonlySet<string> | undefined,
): PickedServers {
  // No key of it changed (only its standing): the same servers.
  if (previous && !names) return previous;
  if (!previous || !names || names.size * 16 > service.keys.size) {
    return pickServers(service.keys.values());
  }
  const winners = new Map<string, Accepted | undefined>();
  let oldestTouched = false;
  for (const name of names) {
    const before = lookupSorted(previous.servers, name, serverName);
    if (before && before.createRevision <= previous.oldest) oldestTouched = true;
    winners.set(name, winnerOf(service.byName.get(name)));
  }
  const servers = patchSorted(previous.servers, winners, serverName, () =>
    [...service.byName.values()].map((claims) => winnerOf(claims)!),
  );
  const losers = previous.losers.filter((loser) => !names.has(loser.name));
  for (const [name, winner] of winners) {
    for (const loser of losersOf(service.byName.get(name), winner)) losers.push(loser);
  }
  let oldest = oldestTouched ? Number.POSITIVE_INFINITY : previous.oldest;
  if (oldestTouched) for (const entry of servers) oldest = Math.min(oldest, entry.createRevision);
  else
    for (const winner of winners.values())
      oldest = Math.min(oldest, winner?.createRevision ?? oldest);
  return { servers, losers, oldest };
}
