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
};

export type ApplyConfig = {
  /** Quiet time after a change before applying, ms. Default `"0ms"`: changes that arrive while
   * an apply runs are applied together right after it, and reloads wait `reload_wait`. */
  minWaitMs: number;
  /** Longest a change waits while changes keep coming, ms. Default `"200ms"`. */
  maxWaitMs: number;
  /** A reload waits this long for more changes of the same burst, ms. Default `"100ms"`. */
  reloadWaitMs: number;
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
  /** File holding the bearer token for mutating calls; required when `listen` is not loopback.
   * Default `""`. */
  tokenFile: string;
};

export type ServiceOverride = {
  /** Service name, as in the etcd key. Required. */
  name: string;
  /** HAProxy `balance` algorithm. Default `"leastconn"`. */
  balance: string;
  /** Host header values routed to this service, besides the service name itself. Default `[]`. */
  hostnames: string[];
};

export type SluiceConfig = {
  /** Path of the file this came from (for messages and relative paths). */
  file: string;
  /** Rendered config, last good copy and snapshot. Default `"/var/lib/sluice"`. */
  stateDir: string;
  etcd: EtcdConfig;
  /** Absent when the file has no `[haproxy]` section. */
  haproxy: HaproxyConfig | undefined;
  apply: ApplyConfig;
  admin: AdminConfig;
  services: ServiceOverride[];
};
