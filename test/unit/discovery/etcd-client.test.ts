// Reading the TLS and password files: clear errors naming the field and file, and the secret
// itself never in a message. Translating etcd3's errors and watch responses into sluice's own.

import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseConfigText } from "../../../src/config/load.ts";
import {
  describeEtcdError,
  readEtcdSecrets,
  toDiscoveryError,
  toKeyValue,
  toWatchMessage,
} from "../../../src/discovery/etcd-client.ts";
import { DiscoveryError, isRetryable } from "../../../src/errors.ts";
import { isInvalidUtf8, showBytes } from "../../../src/model/raw-text.ts";

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

  test("a file that cannot be read is not retried soon: an operator has to act", () => {
    let error: unknown;
    try {
      readEtcdSecrets(etcdConfig(['username = "root"', 'password_file = "missing"']));
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(DiscoveryError);
    expect(isRetryable(error)).toBe(false);
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

/** An error as grpc-js makes them: a plain Error with the status code beside the message. */
function grpcError(code: number, message: string): Error {
  return Object.assign(new Error(message), { code, details: message });
}

describe("toDiscoveryError", () => {
  const cases: Array<[string, unknown, boolean]> = [
    // name, raw error, retryable
    ["an unreachable endpoint", grpcError(14, "14 UNAVAILABLE: connect ECONNREFUSED"), true],
    ["a member without a leader", grpcError(14, "14 UNAVAILABLE: etcdserver: no leader"), true],
    [
      "a wrong password",
      grpcError(
        3,
        "3 INVALID_ARGUMENT: etcdserver: authentication failed, invalid user ID or password",
      ),
      false,
    ],
    [
      "a user without permission",
      grpcError(7, "7 PERMISSION_DENIED: etcdserver: permission denied"),
      false,
    ],
    [
      "a certificate etcd does not accept",
      grpcError(
        14,
        "14 UNAVAILABLE: No connection established. Last error: SSLV3_ALERT_BAD_CERTIFICATE",
      ),
      false,
    ],
    ["a deadline", grpcError(4, "4 DEADLINE_EXCEEDED: Deadline exceeded"), true],
    ["something thrown that is not an Error", "boom", true],
  ];
  for (const [name, raw, retryable] of cases) {
    test(`${name}: ${retryable ? "retried soon" : "refused"}`, () => {
      const error = toDiscoveryError(raw);
      expect(error).toBeInstanceOf(DiscoveryError);
      expect(error.message).toBe(raw instanceof Error ? raw.message : String(raw));
      expect(error.cause).toBe(raw);
      expect(isRetryable(error)).toBe(retryable);
    });
  }

  test("a DiscoveryError passes through as it is", () => {
    const error = new DiscoveryError("etcd.ca_file: cannot read /x: ENOENT", { refused: true });
    expect(toDiscoveryError(error)).toBe(error);
  });
});

type WatchResponse = Parameters<typeof toWatchMessage>[0];
const base: WatchResponse = {
  header: { cluster_id: "1", member_id: "1", revision: "9", raft_term: "1" },
  watch_id: "0",
  created: false,
  canceled: false,
  compact_revision: "0",
  cancel_reason: "",
  fragment: false,
  events: [],
};

describe("toWatchMessage", () => {
  const kv = (key: string, value: string, revision: string) => ({
    key: Buffer.from(key),
    value: Buffer.from(value),
    create_revision: revision,
    mod_revision: revision,
    version: "1",
    lease: "0",
  });
  const cases: Array<[string, Partial<WatchResponse>, unknown]> = [
    ["created", { created: true }, { kind: "created" }],
    ["an empty response is progress", { watch_id: "-1" }, { kind: "progress" }],
    [
      "compacted, even on a created and canceled response",
      { created: true, canceled: true, compact_revision: "12" },
      { kind: "compacted", compactRevision: 12 },
    ],
    [
      "canceled for lack of a leader",
      { canceled: true, cancel_reason: "etcdserver: no leader" },
      { kind: "canceled", reason: "etcdserver: no leader", refused: false },
    ],
    [
      "canceled without a reason",
      { canceled: true },
      { kind: "canceled", reason: "no reason given", refused: false },
    ],
    [
      "canceled for lack of permission",
      { canceled: true, cancel_reason: "etcdserver: permission denied" },
      { kind: "canceled", reason: "etcdserver: permission denied", refused: true },
    ],
    [
      "events, with the value of a delete dropped",
      {
        events: [
          { type: "Put", kv: kv("/apps/a", "1.1.1.1:80", "8") },
          { type: "Delete", kv: kv("/apps/b", "ignored", "9") },
        ] as unknown as WatchResponse["events"],
      },
      {
        kind: "events",
        events: [
          { type: "put", key: "/apps/a", value: "1.1.1.1:80", modRevision: 8, createRevision: 8 },
          { type: "delete", key: "/apps/b", value: "", modRevision: 9, createRevision: 0 },
        ],
      },
    ],
  ];
  for (const [name, fields, expected] of cases) {
    test(name, () => {
      expect(toWatchMessage({ ...base, ...fields })).toEqual(expected as never);
    });
  }
});

describe("toKeyValue", () => {
  const raw = (key: Buffer, value: Buffer, created: string) => ({
    key,
    value,
    create_revision: created,
    mod_revision: "40",
    version: "2",
    lease: "0",
  });
  const latin1 = (text: string) => Buffer.from(text, "latin1");

  test("carries the creation revision", () => {
    expect(toKeyValue(raw(Buffer.from("/apps/web/a"), Buffer.from("1.1.1.1:80"), "7"))).toEqual({
      key: "/apps/web/a",
      value: "1.1.1.1:80",
      createRevision: 7,
    });
  });

  test("keys that differ only in invalid UTF-8 bytes stay distinct, and are marked invalid", () => {
    const value = Buffer.from("1.1.1.1:80");
    const xff = toKeyValue(raw(latin1("/apps/web/x\xff"), value, "5"));
    const xfe = toKeyValue(raw(latin1("/apps/web/x\xfe"), value, "6"));
    expect(xff.key).not.toBe(xfe.key);
    expect(isInvalidUtf8(xff.key)).toBe(true);
    expect(showBytes(xff.key)).toBe("/apps/web/x\\xff");
    // A key that literally spells U+FFFD is valid, and still a third key.
    const replacement = toKeyValue(raw(Buffer.from("/apps/web/x\ufffd"), value, "7"));
    expect(isInvalidUtf8(replacement.key)).toBe(false);
    expect(new Set([xff.key, xfe.key, replacement.key]).size).toBe(3);
  });

  test("an invalid UTF-8 value is kept byte for byte and marked invalid", () => {
    const kv = toKeyValue(raw(Buffer.from("/apps/web/a"), latin1("a 1.1.1.1:80\xc3"), "5"));
    expect(isInvalidUtf8(kv.value)).toBe(true);
    expect(showBytes(kv.value)).toBe("a 1.1.1.1:80\\xc3");
  });

  test("a leading byte-order mark is kept: the key is not the one without it", () => {
    const withMark = toKeyValue(raw(Buffer.from("\ufeff/apps/web/a"), Buffer.from("x"), "5"));
    expect(withMark.key).toBe("\ufeff/apps/web/a");
  });

  test("events carry raw keys too: a delete of one byte-variant names that key alone", () => {
    const message = toWatchMessage({
      ...base,
      events: [
        { type: "Delete", kv: raw(latin1("/apps/web/x\xfe"), Buffer.from(""), "0") },
      ] as unknown as WatchResponse["events"],
    });
    expect(message.kind === "events" && showBytes(message.events[0]!.key)).toBe("/apps/web/x\\xfe");
  });
});
