// Where HAProxy's sockets and pid file live inside the runtime directory.

import { join } from "node:path";

export type RuntimePaths = {
  statsSocket: string;
  masterSocket: string;
  pidFile: string;
};

export function runtimePaths(runtimeDir: string): RuntimePaths {
  return {
    statsSocket: join(runtimeDir, "haproxy.sock"),
    masterSocket: join(runtimeDir, "haproxy-master.sock"),
    pidFile: join(runtimeDir, "haproxy.pid"),
  };
}
