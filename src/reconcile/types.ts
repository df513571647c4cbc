// What the reconciler knows about the two sides: the desired state (etcd's keys at a revision) and
// the served one (what HAProxy runs and what the config file holds), with the fast path's states.

import type { Hold } from "../model/guards.ts";
import type { Layout } from "../model/layout.ts";
import type { KeyDelta, KeyValue, Model } from "../model/types.ts";
import type { Plan } from "../plan.ts";
import type { Transitions } from "../state.ts";

/** The whole prefix at an etcd revision, and the keys changed to reach it. */
export type Desired = {
  /** Every key (may be listed when read: read it only to build whole). */
  readonly kvs: KeyValue[];
  revision: number;
  /** The store's log of changes; absent for a key set given whole, which is built whole. */
  log?: ChangeLog;
};

/** Where a desired state is in the store's log of key changes. */
export type ChangeLog = {
  /** Changes made before this state, counted from the store's start. */
  position: number;
  /** The keys changed from position `from` to this state, oldest first; undefined when the log
   * no longer has them all (a listing, the snapshot, a long gap): build whole then. */
  since(from: number): readonly KeyDelta[] | undefined;
};

/**
 * The fast path (membership through the runtime API, the config file following after):
 * - `cold`: nothing is served yet;
 * - `unverified`: served, but the template is not known to render slots as the layout says, so
 *   every change is rendered and compared;
 * - `ready`: the template renders slots as the layout says; the file matches HAProxy;
 * - `behind`: as ready, but HAProxy is ahead of the file, which follows shortly;
 * - `broken`: the file could not be brought in line with HAProxy; only a reload mends it.
 */
export type FastPathState = "cold" | "unverified" | "ready" | "behind" | "broken";

export const FAST_PATH_TRANSITIONS: Transitions<FastPathState> = {
  cold: ["cold", "unverified", "ready"],
  unverified: ["unverified", "ready"],
  ready: ["ready", "behind", "unverified"],
  behind: ["behind", "ready", "unverified", "broken"],
  broken: ["unverified", "ready"],
};

/** What HAProxy serves, and what the config file on disk says. */
export type Served = {
  /** The model behind what HAProxy serves (before any apply: an empty one). */
  model: Model;
  /** The slot layout live in HAProxy. */
  layout: Layout | undefined;
  /** The config file on disk, and the layout it was written from (behind `layout` while the
   * fast path's file is behind). */
  text: string | undefined;
  fileLayout: Layout | undefined;
  /** Template source and settings the served config came from: the fast path needs them equal. */
  templateKey: string;
  /** Services seen with servers: kept as empty backends (503) when their keys go away. */
  seenServices: ReadonlySet<string>;
};

/** What the next apply would do, for `/v1/plan` and the apply itself. */
export type Prepared = {
  revision: number;
  /** The model built from etcd, with its rejections. */
  desired: Model;
  /** `desired` after the guards: what will be served. */
  model: Model;
  holds: Hold[];
  layout: Layout;
  /** Services of `model` that may differ from the served model's; undefined: any of them. */
  changed?: ReadonlySet<string>;
  /** The model source's build it came from (model-source.ts), when it came from one. */
  build?: number;
  /** The rendered config; absent on the fast path, which renders after routing. */
  text: string | undefined;
  /** The file brought in line with HAProxy, when it was behind and the plan does not write it. */
  catchUp: string | undefined;
  plan: Plan;
};

/** What one apply did: the one result every apply path returns. */
export type ApplyResult = {
  outcome: "unchanged" | "runtime" | "started" | "reloaded" | "file-synced";
  /** The etcd revision of the state applied. */
  revision: number;
  /** When (performance.now()) HAProxy routed the new state; undefined when nothing changed. */
  routedAt: number | undefined;
};
