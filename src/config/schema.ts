// The resolved shape of sluice.toml, each field's default in its doc (a test checks defaults.ts).

export type ReloadMode = "master-worker" | "sf";

export type EtcdConfig = {
  /** Client URLs tried in order. Default `["http://127.0.0.1:2379"]`. */
  endpoints: string[];
  /** Key prefix that holds registrations. Default `"/apps/"`; always ends with `/`. */
  prefix: string;
  /** Time allowed to connect and to answer the first read, ms. Default `"5s"`. */
  dialTimeoutMs: number;
  /** gRPC keepalive ping interval, ms. Default `"5s"`. */
  keepaliveMs: number;
  /** A keepalive ping unanswered this long marks etcd unreachable, ms. Default `"3s"`. */
  keepaliveTimeoutMs: number;
  /** How often the watch is asked to confirm it is up to date (a progress request), ms; an
   * unanswered request makes sluice list the prefix again. Default `"5s"`. */
  progressIntervalMs: number;
  /** How often the whole prefix is listed again and compared, as a safety net, ms; 0 turns it
   * off. Default `"5m"`. */
  resyncIntervalMs: number;
  /** User for etcd authentication; needs `password_file`. Default none. */
  username: string | undefined;
  /** File holding the password (one line). Read at each connect, never logged. */
  passwordFile: string | undefined;
  /** PEM CA bundle that signs etcd's server certificate. Default: the system's roots for
   * `https://` endpoints. */
  caFile: string | undefined;
  /** PEM client certificate for mutual TLS; needs `key_file`. */
  certFile: string | undefined;
  /** PEM private key of `cert_file`. Never logged. */
  keyFile: string | undefined;
};

export type HaproxyConfig = {
  /** HAProxy executable. Default `"/usr/sbin/haproxy"`. */
  binary: string;
  /** Liquid template; relative paths resolve against the config file's directory; when the
   * file does not exist the template embedded in the executable is used.
   * Default `"/etc/sluice/templates/haproxy.cfg.liquid"`. */
  template: string;
  /** Rendered configuration. Default `"<state_dir>/haproxy.cfg"`. */
  config: string;
  /** Sockets and pid file. Default `"/run/sluice"`. */
  runtimeDir: string;
  /** `"master-worker"`: one `-W` master, reloads through its socket; `"sf"`: each reload starts
   * a new process with `-sf <old pids> -x <stats socket>`. Default `"master-worker"`. */
  reload: ReloadMode;
  /** The default template's HTTP frontend. Default `"*:80"`. */
  bind: string;
  /** The default template's stats frontend. Default `"*:8888"`. */
  statsBind: string;
  /** Service that gets requests whose Host matches no service. Default `""`: the first service
   * by name. */
  defaultService: string;
  /** Old workers are killed this long after a reload. Default `"30s"`. */
  hardStopAfterMs: number;
  /** How long `haproxy -c` may take, ms. Default `"30s"`. */
  checkTimeoutMs: number;
  /** Old workers (or `sf` processes) kept while they finish; more are stopped. Default `3`. */
  maxOldWorkers: number;
  /** Free server slots each backend gets at least, so new servers need no reload; 25 % of the
   * servers are added on top. Default `8`. */
  spareSlots: number;
  /** A render of the template that runs longer than this fails with a render error and the last
   * good config keeps serving, ms. Default `"2s"`. */
  renderTimeoutMs: number;
  /** Most one render may build, counted as liquidjs counts: characters of strings and elements of
   * arrays made by ranges and filters; a render that needs more fails. Default `10000000`. */
  renderMemoryLimit: number;
  /** Longest template, in characters; a longer one fails to parse. Default `1000000`. */
  templateSizeLimit: number;
  /** Secret for dynamic persistence cookies (stable across reloads). Default `"sluice"`. */
  cookieKey: string;
  /** Key prefixes whose raw values the template's lookups (getv, ls, ...) also see, besides the
   * validated registrations; each starts with `/`. Default `[]`. */
  trustedPrefixes: string[];
};

export type ApplyConfig = {
  /** Quiet time after a change before applying, ms. Default `"0ms"`: changes that arrive while
   * an apply runs are applied together right after it, and reloads wait `reload_wait`. */
  minWaitMs: number;
  /** Longest a change waits while changes keep coming, ms. Default `"200ms"`. */
  maxWaitMs: number;
  /** A reload waits this long for more changes of the same burst, ms. Default `"100ms"`. */
  reloadWaitMs: number;
  /** At most one reload per this interval, ms: a reload wanted sooner waits, and every change
   * meanwhile joins it. `0` turns pacing off. Default `"1s"`. */
  minReloadIntervalMs: number;
  /** Apply server changes through HAProxy's runtime API instead of reloading. Default `true`. */
  runtimeApi: boolean;
  /** Let an update empty a backend that had servers. Default `false`. */
  allowEmpty: boolean;
  /** Largest share of a backend one update may remove, percent; 100 disables. Default `50`. */
  maxDropPercent: number;
};

export type AdminConfig = {
  /** `host:port` of the admin API; empty disables TCP. Default `"127.0.0.1:9600"`. */
  listen: string;
  /** Unix socket of the admin API; empty disables it. Default `"<runtime_dir>/admin.sock"`. */
  socket: string;
  /** File holding the bearer token of TCP calls: mutations, and reads too when `listen` is not
   * loopback, where it is required. The unix socket needs none. Default `""`. */
  tokenFile: string;
};

/** How HAProxy checks a server: `"tcp"` connects, `"http"` sends a GET and reads the status. */
export type HealthCheckType = "tcp" | "http";

/** The check settings of one backend: `[health]`'s, with its `[[service]]` overrides applied. */
export type HealthCheck = {
  type: HealthCheckType;
  path: string;
  host: string;
  expectStatus: string;
  intervalMs: number;
  timeoutMs: number;
  rise: number;
  fall: number;
};

export type HealthConfig = {
  /** HAProxy checks every server (`check`); `false`: no checks, every server counts as up.
   * Default `true`. */
  enabled: boolean;
  /** `"tcp"`: a check connects; `"http"`: it sends `GET path` and reads the status.
   * Default `"tcp"`. */
  type: HealthCheckType;
  /** Path of HTTP checks. Default `"/"`. */
  path: string;
  /** Host header of HTTP checks; `""` sends none. Default `""`. */
  host: string;
  /** Status an HTTP check expects: `"200"`, or a range `"200-399"`; `""` takes HAProxy's rule
   * (any 2xx or 3xx). Default `""`. */
  expectStatus: string;
  /** Time between two checks of one server, ms (HAProxy `inter`). Default `"2s"`. */
  intervalMs: number;
  /** A check not answered within this fails, ms; at most `interval`. Default `"1s"`. */
  timeoutMs: number;
  /** Good checks in a row that bring a down server up. Default `2`. */
  rise: number;
  /** Failed checks in a row that take an up server down. Default `3`. */
  fall: number;
  /** Random spread of the check times, percent of the interval (HAProxy `spread-checks`),
   * 0 to 50. Default `0`. */
  jitter: number;
  /** A backend down this long is removed from etcd by the elected leader, ms; 0 never removes.
   * Default `"5m"`. */
  removeAfterMs: number;
  /** Most of one service removed per `remove_after` period, percent (at least one server).
   * Default `10`. */
  maxEjectionPercent: number;
  /** When more than this percent of the checked servers is down, nothing is removed (panic:
   * the checker's own network is likely the broken party). Default `50`. */
  panicThreshold: number;
  /** TTL of the lease that holds the removal leadership, ms, whole seconds. Default `"10s"`. */
  leaderTtlMs: number;
};

export type ServiceOverride = {
  /** Service name, as in the etcd key. Required. */
  name: string;
  /** HAProxy `balance` algorithm. Default `"leastconn"`. */
  balance: string;
  /** Host header values routed to this service, besides the service name itself. Default `[]`. */
  hostnames: string[];
  /** `[health] type` for this service; unset: `[health]`'s. */
  healthType?: HealthCheckType;
  /** `[health] path` for this service; unset: `[health]`'s. */
  healthPath?: string;
  /** `[health] host` for this service; unset or `""`: `[health]`'s. */
  healthHost?: string;
  /** `[health] expect_status` for this service; unset or `""`: `[health]`'s. */
  healthExpectStatus?: string;
  /** `[health] interval` for this service, ms; unset: `[health]`'s. */
  healthIntervalMs?: number;
  /** `[health] timeout` for this service, ms; unset: `[health]`'s. */
  healthTimeoutMs?: number;
  /** `[health] rise` for this service; unset: `[health]`'s. */
  healthRise?: number;
  /** `[health] fall` for this service; unset: `[health]`'s. */
  healthFall?: number;
};

/** One `[[template]]`: a confd-style file rendered from the same keys as haproxy.cfg. */
export type TemplateResource = {
  /** Liquid template; relative paths resolve against the config file's directory. Required. */
  src: string;
  /** The file written; an absolute path. Required. */
  dest: string;
  /** Key prefixes the template reads (under `prefix`), and discovery watches. Default `[]`. */
  keys: string[];
  /** Prepended to every key of `keys`; the template sees the keys without it. Default `""`. */
  prefix: string;
  /** File mode of `dest`, from an octal string ("0644"); unset: the existing file's, else 0644. */
  mode: number | undefined;
  /** Owner of `dest`; -1: the existing file's owner, else the process's. Default `-1`. */
  uid: number;
  /** Group of `dest`; -1: the existing file's group, else the process's. Default `-1`. */
  gid: number;
  /** Shell command run on the staged file before it replaces `dest` (`{{.src}}` is its path);
   * a failure keeps the old file. Default `""`. */
  checkCmd: string;
  /** Shell command run after `dest` changed; the same command runs once per apply.
   * Default `""`. */
  reloadCmd: string;
  /** Longest `check_cmd` may run before it is killed, ms. Default `"30s"`. */
  checkTimeoutMs: number;
  /** Longest `reload_cmd` may run before it is killed, ms. Default `"30s"`. */
  reloadTimeoutMs: number;
};

export type FileConfig = {
  /** Key file, JSON, YAML or TOML by its extension; nested maps flatten to `/a/b` keys as
   * confd's file backend does; relative to the config file's directory; watched. Required with
   * `discovery = "file"`. */
  path: string;
};

/** Where the keys come from: etcd, or a key file (`[file]`). */
export type DiscoverySource = "etcd" | "file";

export type SluiceConfig = {
  /** Path of the file this came from (for messages and relative paths). */
  file: string;
  /** Rendered config, last good copy and snapshot. Default `"/var/lib/sluice"`. */
  stateDir: string;
  /** Least severe log line written: debug, info, warn or error. Default `"info"`. */
  logLevel: "debug" | "info" | "warn" | "error";
  /** Log lines as JSON objects or as logfmt. Default `"json"`. */
  logFormat: "json" | "logfmt";
  /** Where the keys come from: `"etcd"`, or `"file"`: the key file of `[file]`.
   * Default `"etcd"`. */
  discovery: DiscoverySource;
  /** The `[file]` section: the key file; set when `discovery = "file"`. */
  fileDiscovery: FileConfig | undefined;
  etcd: EtcdConfig;
  /** Absent when the file has no `[haproxy]` section. */
  haproxy: HaproxyConfig | undefined;
  apply: ApplyConfig;
  admin: AdminConfig;
  health: HealthConfig;
  services: ServiceOverride[];
  /** The `[[template]]` resources, in the file's order. */
  templates: TemplateResource[];
};
