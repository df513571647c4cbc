// confd.toml's connection settings → sluice.toml's `[etcd]`: endpoints (confd's scheme applied),
// TLS files and credentials, with report lines for what sluice does differently. Pure.

import type { Report } from "./report.ts";
import { lineOfKey, type Table } from "./toml.ts";

/** The `[etcd]` section to write. `password` goes into a password_file, never into sluice.toml. */
export type EtcdTarget = {
  endpoints: string[];
  username?: string;
  password?: string;
  caFile?: string;
  certFile?: string;
  keyFile?: string;
};

/** The endpoints (confd's scheme applied to nodes without one), TLS files and credentials. */
export function mapEtcd(
  table: Table,
  text: string,
  file: string,
  report: Report,
  backend: string,
): EtcdTarget {
  const at = (key: string) => lineOfKey(text, "", key);
  const string = (key: string) =>
    typeof table[key] === "string" ? (table[key] as string) : undefined;
  const scheme = string("scheme") ?? "http";
  const defaults = backend === "etcd" ? ["http://127.0.0.1:4001"] : ["127.0.0.1:2379"];
  const nodes = Array.isArray(table.nodes) ? table.nodes.map(String) : defaults;
  const endpoints = nodes.map((node) => (node.includes("://") ? node : `${scheme}://${node}`));
  if (!Array.isArray(table.nodes))
    report.add(
      file,
      undefined,
      "note",
      `nodes: not set; confd's default ${defaults[0]} is written`,
    );
  for (const endpoint of endpoints.filter((node) => /:4001\/?$/.test(node))) {
    report.add(
      file,
      at("nodes"),
      "action",
      `nodes: ${endpoint} is etcd's legacy client port 4001; etcd 3 serves clients on 2379 unless told otherwise: check the endpoint`,
    );
  }
  const target: EtcdTarget = { endpoints };
  const files = {
    caFile: "client_cakeys",
    certFile: "client_cert",
    keyFile: "client_key",
  } as const;
  for (const [field, key] of Object.entries(files) as [keyof typeof files, string][]) {
    const value = string(key);
    if (value) target[field] = value;
  }
  if (
    (target.caFile || target.certFile) &&
    endpoints.some((endpoint) => !endpoint.startsWith("https://"))
  ) {
    report.add(
      file,
      at("nodes"),
      "problem",
      "nodes: TLS files are set but an endpoint is not https://; sluice talks TLS only to https:// endpoints",
    );
  }
  if (table.client_insecure === true) {
    report.add(
      file,
      at("client_insecure"),
      "problem",
      "client_insecure: sluice always verifies etcd's certificate; set [etcd] ca_file to the CA that signed it",
    );
  }
  mapCredentials(target, table, at, file, report, backend);
  if (string("srv_domain") || string("srv_record")) {
    report.add(
      file,
      at(string("srv_record") ? "srv_record" : "srv_domain"),
      "problem",
      "srv_domain/srv_record: sluice does not look etcd up in DNS SRV records; list the endpoints in [etcd] endpoints",
    );
  }
  return target;
}

function mapCredentials(
  target: EtcdTarget,
  table: Table,
  at: (key: string) => number | undefined,
  file: string,
  report: Report,
  backend: string,
): void {
  const username = typeof table.username === "string" ? table.username : "";
  const password = typeof table.password === "string" ? table.password : "";
  if (!username && !password) return;
  // confd's etcd (v2) client sends credentials only with basic_auth.
  if (backend === "etcd" && table.basic_auth !== true) {
    report.add(
      file,
      at("username"),
      "note",
      "username/password: confd sent them only with basic_auth = true; not written",
    );
    return;
  }
  if (!username || !password) {
    report.add(
      file,
      at(username ? "username" : "password"),
      "problem",
      "username and password go together; only one is set",
    );
    return;
  }
  target.username = username;
  target.password = password;
  report.add(
    file,
    at("password"),
    "note",
    "password: written to password_file (mode 0600) beside sluice.toml, not into it",
  );
}
