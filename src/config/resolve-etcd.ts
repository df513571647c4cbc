// Resolves the [etcd] section: endpoints, prefix, timeouts, and credentials that come in pairs.

import { ETCD_FIELDS } from "./defaults.ts";
import type { FieldReader, Table } from "./field-reader.ts";
import type { EtcdConfig } from "./schema.ts";
import { type ResolveContext, sectionReader } from "./section-reader.ts";

/** The [etcd] section of the file in `context`, with defaults filled in. */
export function resolveEtcd(context: ResolveContext): EtcdConfig {
  const etcdFields = sectionReader(context, "etcd", ETCD_FIELDS);
  const endpoints = etcdFields.strings("endpoints");
  etcdFields.check("endpoints", endpoints.length > 0, "needs at least one endpoint");
  for (const endpoint of endpoints) {
    etcdFields.check(
      "endpoints",
      /^https?:\/\/[^\s/]+$/.test(endpoint),
      `"${endpoint}" is not a URL such as "http://127.0.0.1:2379"`,
    );
  }
  let prefix = etcdFields.string("prefix");
  etcdFields.check("prefix", prefix.startsWith("/"), `must start with "/", got "${prefix}"`);
  if (!prefix.endsWith("/")) prefix += "/";
  const etcd: EtcdConfig = {
    endpoints,
    prefix,
    dialTimeoutMs: etcdFields.duration("dial_timeout"),
    keepaliveMs: etcdFields.duration("keepalive"),
    keepaliveTimeoutMs: etcdFields.duration("keepalive_timeout"),
    progressIntervalMs: etcdFields.duration("progress_interval"),
    resyncIntervalMs: etcdFields.duration("resync_interval"),
    username: etcdFields.optionalString("username"),
    passwordFile: etcdFields.optionalPath("password_file"),
    caFile: etcdFields.optionalPath("ca_file"),
    certFile: etcdFields.optionalPath("cert_file"),
    keyFile: etcdFields.optionalPath("key_file"),
  };
  checkEtcdCredentials(etcdFields, etcd, context.root);
  etcdFields.rejectUnknown();
  return etcd;
}

/** Credentials come in pairs, the password never inline, and TLS needs https:// endpoints. */
function checkEtcdCredentials(
  etcdFields: FieldReader<typeof ETCD_FIELDS>,
  etcd: EtcdConfig,
  root: Table,
): void {
  etcdFields.check(
    "password",
    root.etcd === undefined || (root.etcd as Table).password === undefined,
    "is not read: put the password in a file and set password_file, so it stays out of sluice.toml",
  );
  etcdFields.check(
    "password_file",
    (etcd.username === undefined) === (etcd.passwordFile === undefined),
    "username and password_file go together: set both or neither",
  );
  etcdFields.check(
    "key_file",
    (etcd.certFile === undefined) === (etcd.keyFile === undefined),
    "cert_file and key_file go together: set both or neither",
  );
  const tls = etcd.caFile !== undefined || etcd.certFile !== undefined;
  for (const endpoint of etcd.endpoints) {
    etcdFields.check(
      "endpoints",
      !tls || endpoint.startsWith("https://"),
      `"${endpoint}" must be https:// when ca_file or cert_file is set`,
    );
  }
}
