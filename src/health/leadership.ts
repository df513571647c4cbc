// What the remover and status know of the removal leadership: its states, its status and its
// contract. leader.ts implements it with an etcd election.

import type { Fence } from "./election-store.ts";

/** Where the instance is: no lease (granting one), holding a key but not first, leading. */
export type LeaderStateName = "idle" | "granting" | "campaigning" | "leading" | "stopped";

export type LeadershipStatus = {
  state: LeaderStateName;
  /** This instance's identity in the election. */
  identity: string;
  /** Who leads, as last read from etcd; null when nobody is known to. */
  leader: string | null;
  isLeader: boolean;
};

export interface Leadership {
  start(): void;
  /** Stops campaigning and resigns (revokes the lease, so another instance leads at once). */
  stop(): Promise<void>;
  /** The fence while this instance leads and renewed its lease less than TTL/2 ago. */
  fence(): Fence | undefined;
  status(): LeadershipStatus;
  /** One round now (the loop runs it; tests too). Never throws. */
  step(): Promise<void>;
}
