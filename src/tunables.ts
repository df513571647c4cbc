// The timings and limits sluice works with that sluice.toml does not set, named in one place.
// Each says why it has the value it has; the configurable defaults are in config/defaults.ts.

/** etcd discovery. */
export const DISCOVERY = {
  /** First retry delay after a failed session; it doubles per failure. */
  backoffBaseMs: 50,
  /** Retries back off to this, so a recovered etcd is used within about a second. */
  backoffMaxMs: 800,
  /** Retries after etcd refused sluice's credentials: they need an operator, and every attempt
   * costs etcd a password hash. */
  refusedBackoffMs: 5000,
  /** Every delay is spread by this fraction either way, so restarted instances do not align. */
  jitter: 0.2,
  /** A session shorter than this counts as a failure for the backoff, even if it synced. */
  healthySessionMs: 1000,
  /** The same warning is logged again after this long, not at every retry. */
  repeatWarningMs: 30_000,
  /** Stop does not wait longer than this for a listing in flight (it ends at its deadline). */
  stopWaitMs: 1000,
} as const;

/** `lbctl register`: keeping a registration on an etcd lease. */
export const REGISTER = {
  /** After a failed call the next try comes this soon, doubling per failure, */
  retryBaseMs: 250,
  /** up to this: a recovered etcd gets the registration back within about a second. */
  retryMaxMs: 1000,
  /** The lease is renewed (and the key checked) this many times per TTL, as etcd's Go client. */
  renewalsPerTtl: 3,
  /** One call to one endpoint gives up after at most this share of the TTL (and never after
   * more than `[etcd] dial_timeout`), so a frozen endpoint cannot outlast the lease, */
  callTimeoutTtlShare: 1 / 3,
  /** but never sooner than this. */
  minCallTimeoutMs: 200,
  /** On stop, deleting the key and revoking the lease is tried this long; then the lease is left
   * to expire by itself. */
  stopTimeoutMs: 3000,
  /** A warning that etcd does not answer is logged again after this long, not at every retry. */
  repeatWarningMs: 30_000,
} as const;

/** The HAProxy supervisor. */
export const SUPERVISOR = {
  /** A start or reload that has not shown a ready worker by then has failed. */
  readyTimeoutMs: 10_000,
  /** How often readiness is polled during a start. */
  startPollMs: 20,
  /** How often the master is polled during a reload. */
  reloadPollMs: 10,
  /** Timeout of one master CLI or stats socket query. */
  socketTimeoutMs: 2000,
  /** A process that ran this long before it crashed restarts without backoff. */
  stableAfterMs: 10_000,
  /** First restart delay after a crash; it doubles per crash. */
  restartBaseMs: 100,
  /** Restart delays stop growing here. */
  restartMaxMs: 10_000,
  /** Old workers get at most this long to finish on stop (less when hard_stop_after is less). */
  stopTimeoutMaxMs: 30_000,
  /** HAProxy output: lines of one kind logged per window; the rest are counted. */
  repeatedLinesLogged: 3,
  repeatedLinesWindowMs: 5000,
  /** The worker is asked `show info` this often while it runs (and the runtime files checked). */
  probeIntervalMs: 1000,
  /** A probe unanswered this long failed (`show info` answers in well under a millisecond). */
  probeTimeoutMs: 1500,
  /** This many failed probes in a row (~10 s) replace HAProxy: a hung worker serves nothing. */
  probeFailuresBeforeReplace: 4,
  /** A process asked to stop (SIGTERM) that still runs after this long is killed (SIGKILL). */
  killAfterMs: 2000,
  /** Timeout of `show servers state` before a reload: without it the reload still works. */
  serverStateTimeoutMs: 2000,
  /** How often sluice's directories, lock files and admin socket are checked and made again. */
  filesCheckMs: 1000,
} as const;

/** The apply path. */
export const APPLY = {
  /** While a reload waits, new changes are looked at this often (ms), and their membership
   * part served through the runtime API at once. */
  partialPollMs: 5,
  /** A batch of runtime API commands fails when HAProxy sends nothing for this long (a batch of
   * 10,000 commands keeps answering all along). */
  runtimeApiTimeoutMs: 5000,
  /** After fast-path updates, the config file follows once updates pause this long, */
  fileSyncQuietMs: 50,
  /** and at least this often while they keep coming. */
  fileSyncMaxDelayMs: 500,
  /** After the file follows, garbage is collected when it was not for this long, ms (10,000
   * servers: ~100 MB instead of 200+). */
  collectGarbageEveryMs: 5000,
  /** Up to this many servers served, that collection is synchronous (10,000 servers: 139 MB
   * instead of 164 after the probes of `make bench`); past it, the collector is only asked. */
  syncCollectUpToServers: 20_000,
  /** A failed apply is tried again after this long, doubling per failure, */
  retryBaseMs: 100,
  /** up to this when the failure may pass by itself (a socket, a full disk), */
  retryMaxMs: 5000,
  /** and up to this when it needs an operator (a template or config HAProxy refuses). */
  retryNeedsOperatorMaxMs: 30_000,
  /** The etcd key set is saved to the snapshot at most this often. */
  snapshotDebounceMs: 200,
} as const;

/** The model, built change by change (src/model/incremental.ts). */
export const MODEL = {
  /** Key changes the desired store keeps for the next build; past this the build is whole. */
  changeLogLimit: 100_000,
  /** Changes folded into the model between two turns of the event loop when an apply has many
   * to catch up on (a burst that arrived during a reload). */
  digestSlice: 2000,
  /** A build from changes is checked against a build from the whole key set every this many
   * builds, and never more often than once per as many builds as there are keys, so its cost per
   * change stays the same at any size (the level-triggered way back; a difference is logged, and
   * the whole one kept). */
  fullBuildEvery: 10_000,
} as const;

/** DNS answers of the main template's lookup filters (lookupIP, lookupSRV, ...). */
export const DNS = {
  /** The names the template used are resolved again this often, and a changed answer renders
   * again (confd re-rendered on its interval; this is about its default, 10 min, made short). */
  refreshMs: 30_000,
  /** An offline render (serve --once, lbctl render and check) renders at most this many times
   * while it waits for new names' answers (a name may depend on another's answer). */
  settledRenders: 3,
} as const;

/** Server slots in each backend (see model/layout.ts). */
export const SLOTS = {
  /** Spare slots as a fraction of the servers (0.25 = 25 %); `[haproxy] spare_slots` sets the
   * minimum. */
  spareRatio: 0.25,
  /** Spare slots never exceed this many per backend when it is new (growth doubles past it). */
  maxSpares: 1024,
  /** Servers a backend takes through `add server` before a burst reloads instead: past this,
   * one reload costs less than the commands (add server slows as a backend grows). */
  maxDynamic: 256,
} as const;

/** systemd notifications (src/systemd). */
export const SYSTEMD = {
  /** A STATUS= change is sent after this much quiet, so a burst of applies sends one line, */
  statusQuietMs: 100,
  /** and never later than this after the first change: at most a few lines a second. */
  statusMaxDelayMs: 400,
  /** STATUS= is cut to this many characters: `systemctl status` shows it on one line. */
  statusMaxChars: 240,
  /** A NOTIFY_SOCKET that fails is logged again after this long, not at every send. */
  failureLogEveryMs: 60_000,
} as const;

/** The event bus and `GET /v1/events` (src/events). */
export const EVENTS = {
  /** Events kept for clients that reconnect with Last-Event-ID (~1 KB each at most). */
  capacity: 1000,
  /** A comment line this often keeps an idle stream open: Bun.serve closes connections idle for
   * 10 s (its default idleTimeout), and proxies close quiet ones too. */
  heartbeatMs: 5000,
  /** A client this many events behind is disconnected (it reconnects with Last-Event-ID); its
   * queue would otherwise grow without bound. More than the ring, so a full replay fits. */
  maxQueuedPerClient: 2000,
  /** Per-key `change` events of one etcd update; the rest are counted in one `changes_omitted`. */
  changesPerBatch: 100,
  /** Likewise for newly rejected keys of one apply (`rejected_omitted`). */
  rejectedPerApply: 100,
  /** `?format=json` answers at most this many events. */
  maxJsonLimit: 1000,
} as const;

/** HAProxy's file descriptors (src/haproxy/fd-budget.ts): what its own count (2.6 `haproxy.c`,
 * `compute_ideal_maxsock`) adds up, measured against `Cannot raise FD limit to N`. */
export const FD = {
  /** The default template's global `maxconn` when the limit has room for it. */
  maxconn: 4096,
  /** Below this maxconn HAProxy is not worth starting: the limit is reported as too low. */
  minMaxconn: 100,
  /** HAProxy reserves 10 descriptors; its stats socket's CLI frontend takes 10 more, and in
   * master-worker mode the master CLI's 10 and the master's pipe 1. */
  fixed: 31,
  /** Per thread: one epoll descriptor and a wake-up pipe. */
  perThread: 3,
  /** HAProxy 2.6 runs one thread per CPU, at most 64. */
  maxThreads: 64,
  /** Listeners: the stats socket, the stats and HTTP frontends, and the master socket. */
  listeners: 4,
  /** Kept free for what the count leaves out: servers added through the runtime API (each check
   * takes one), log sockets, a template's extra listeners. */
  margin: 256,
} as const;

/** Rendering the main template off the event loop (src/render/off-loop.ts). */
export const RENDER = {
  /** Models with at least this many servers render in a worker thread: a render of 20,000
   * servers takes ~350 ms and of 100,000 ~1.4 s, which would stall the admin API; smaller ones
   * take a few ms, less than handing the model to the worker. */
  offLoopAboveServers: 2000,
  /** The worker is given this long beyond `haproxy.render_timeout` before it is stopped. */
  workerGraceMs: 5000,
  /** The worker is stopped once it has had no render to do for this long, ms (its heap goes with
   * it); the next render starts it again. */
  workerIdleMs: 2000,
} as const;
