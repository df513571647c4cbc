// Reading the TLS and password files: clear errors naming the field and file, and the secret
// itself never in a message.

import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseConfigText } from "../../../src/config/load.ts";
import { describeEtcdError, readEtcdSecrets } from "../../../src/discovery/etcd-client.ts";

const dir = mkdtempSync(join(tmpdir(), "sluice-secrets-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function etcdConfig(lines: string[]) {
  return parseConfigText(["[etcd]", ...lines].join("\n"), join(dir, "sluice.toml")).etcd;
}

describe("readEtcdSecrets", () => {
  test("reads the password without its trailing newline, and the PEM files", () => {
    writeFileSync(join(dir, "pass"), "s3cret-pass\n");
    writeFileSync(join(dir, "ca.pem"), "CA");
    writeFileSync(join(dir, "c.pem"), "CERT");
    writeFileSync(join(dir, "c.key"), "KEY");
    const secrets = readEtcdSecrets(
      etcdConfig([
        'endpoints = ["https://127.0.0.1:2379"]',
        'username = "root"',
        'password_file = "pass"',
        'ca_file = "ca.pem"',
        'cert_file = "c.pem"',
        'key_file = "c.key"',
      ]),
    );
    expect(secrets.auth).toEqual({ username: "root", password: "s3cret-pass" });
    expect(secrets.credentials?.rootCertificate.toString()).toBe("CA");
    expect(secrets.credentials?.certChain?.toString()).toBe("CERT");
    expect(secrets.credentials?.privateKey?.toString()).toBe("KEY");
  });

  test("a missing file names the field and the path", () => {
    expect(() =>
      readEtcdSecrets(
        etcdConfig(['endpoints = ["https://127.0.0.1:2379"]', 'ca_file = "nope.pem"']),
      ),
    ).toThrow(`etcd.ca_file: cannot read ${join(dir, "nope.pem")}: ENOENT`);
  });

  test("an empty password file is an error that does not guess", () => {
    writeFileSync(join(dir, "empty"), "\n");
    expect(() =>
      readEtcdSecrets(etcdConfig(['username = "root"', 'password_file = "empty"'])),
    ).toThrow(`etcd.password_file: ${join(dir, "empty")} is empty`);
  });

  test("without TLS or auth there is nothing to read", () => {
    expect(readEtcdSecrets(etcdConfig([]))).toEqual({});
  });
});

describe("describeEtcdError", () => {
  test("names the endpoint and points TLS failures at the TLS fields", () => {
    const error = new Error(
      "14 UNAVAILABLE: No connection established. Last error: SSLV3_ALERT_BAD_CERTIFICATE (2026-11-24T21:16:19.098Z). Resolution note: ",
    );
    expect(describeEtcdError("https://127.0.0.1:2379", error)).toBe(
      "etcd https://127.0.0.1:2379: 14 UNAVAILABLE: No connection established. Last error: SSLV3_ALERT_BAD_CERTIFICATE. (check etcd.ca_file, cert_file and key_file)",
    );
  });

  test("a GOAWAY for too frequent pings points at the keepalive setting", () => {
    const error = new Error("8 RESOURCE_EXHAUSTED: Bandwidth exhausted or memory limit exceeded");
    expect(describeEtcdError("http://e:2379", error)).toContain(
      "etcd.keepalive must not be shorter than etcd's --grpc-keepalive-min-time",
    );
  });
});
