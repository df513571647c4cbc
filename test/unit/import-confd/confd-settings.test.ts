// confd.toml → [etcd] and the report: each confd setting maps to its sluice equivalent or a line
// saying what sluice does instead; nothing is dropped without a word.

import { describe, expect, test } from "bun:test";
import { parse } from "smol-toml";
import { mapConfdSettings } from "../../../src/import-confd/confd-settings.ts";
import { createReport, type ReportItem } from "../../../src/import-confd/report.ts";

function map(text: string): { settings: ReturnType<typeof mapConfdSettings>; items: ReportItem[] } {
  const report = createReport();
  const settings = mapConfdSettings(parse(text), text, "confd.toml", report);
  return { settings, items: report.items };
}

function find(items: ReportItem[], text: string): ReportItem | undefined {
  return items.find((item) => item.message.includes(text));
}

describe("confd.toml settings", () => {
  test("the seed's confd.toml: v2 backend, port 4001, interval and confdir are reported", () => {
    const { settings, items } = map(
      'confdir = "/etc/confd"\ninterval = 20\nbackend = "etcd"\nnodes = [\n"http://10.0.0.1:4001"\n]\nprefix = "/"\nscheme = "http"\nverbose = true\n',
    );
    expect(settings.backend).toBe("etcd");
    expect(settings.etcd.endpoints).toEqual(["http://10.0.0.1:4001"]);
    expect(settings.prefix).toBe("/");
    expect(find(items, 'backend = "etcd" is etcd\'s v2 API')).toMatchObject({
      line: 3,
      level: "action",
    });
    expect(find(items, "legacy client port 4001")).toMatchObject({ line: 4, level: "action" });
    expect(find(items, "interval:")).toMatchObject({ line: 2, level: "note" });
    expect(find(items, "confdir:")).toMatchObject({ line: 1, level: "note" });
    expect(find(items, "verbose:")).toMatchObject({ line: 9, level: "note" });
    expect(items.some((item) => item.level === "problem")).toBe(false);
  });

  test("scheme is applied to nodes without one; etcdv3 has no v2 report line", () => {
    const { settings, items } = map(
      'backend = "etcdv3"\nscheme = "https"\nnodes = ["10.0.0.1:2379", "http://10.0.0.2:2379"]\n',
    );
    expect(settings.etcd.endpoints).toEqual(["https://10.0.0.1:2379", "http://10.0.0.2:2379"]);
    expect(find(items, "v2 API")).toBeUndefined();
  });

  test("no nodes: confd's default for the backend, said so", () => {
    expect(map("").settings.etcd.endpoints).toEqual(["http://127.0.0.1:4001"]);
    expect(map('backend = "etcdv3"').settings.etcd.endpoints).toEqual(["http://127.0.0.1:2379"]);
    expect(find(map("").items, "nodes: not set")).toBeDefined();
  });

  test("TLS files become ca_file, cert_file and key_file; http endpoints with TLS are a problem", () => {
    const tls = 'client_cakeys = "/ca.pem"\nclient_cert = "/c.pem"\nclient_key = "/k.pem"\n';
    const { settings } = map(`nodes = ["https://e:2379"]\n${tls}`);
    expect(settings.etcd).toMatchObject({
      caFile: "/ca.pem",
      certFile: "/c.pem",
      keyFile: "/k.pem",
    });
    expect(find(map(`nodes = ["http://e:2379"]\n${tls}`).items, "not https://")?.level).toBe(
      "problem",
    );
    expect(find(map("client_insecure = true").items, "client_insecure")?.level).toBe("problem");
  });

  test("username/password: kept for a password_file; the v2 client needs basic_auth", () => {
    const v3 = map('backend = "etcdv3"\nusername = "u"\npassword = "p"\n');
    expect(v3.settings.etcd).toMatchObject({ username: "u", password: "p" });
    expect(find(v3.items, "password_file")).toMatchObject({ line: 3, level: "note" });
    const v2 = map('username = "u"\npassword = "p"\n');
    expect(v2.settings.etcd.username).toBeUndefined();
    expect(find(v2.items, "basic_auth")).toBeDefined();
    expect(map('username = "u"\npassword = "p"\nbasic_auth = true\n').settings.etcd.username).toBe(
      "u",
    );
    expect(find(map('backend = "etcdv3"\nusername = "u"').items, "go together")?.level).toBe(
      "problem",
    );
  });

  test("log-level maps to sluice's levels; an unknown one is a problem", () => {
    expect(map('log-level = "warning"').settings.logLevel).toBe("warn");
    expect(map('log-level = "DEBUG"').settings.logLevel).toBe("debug");
    expect(find(map('log-level = "loud"').items, "log-level")?.level).toBe("problem");
  });

  test("noop, onetime, watch and keep-stage-file say what sluice does instead", () => {
    const { items } = map("noop = true\nonetime = true\nwatch = true\nkeep-stage-file = true\n");
    expect(find(items, "lbctl plan --diff")?.line).toBe(1);
    expect(find(items, "sluice serve --once")?.line).toBe(2);
    expect(find(items, "always watches")?.line).toBe(3);
    expect(find(items, "staged files")?.line).toBe(4);
  });

  test("sync-only is kept; SRV lookups, other backends, crypt and unknown keys are problems", () => {
    expect(map("sync-only = true").settings.syncOnly).toBe(true);
    expect(find(map('srv_domain = "example.com"').items, "SRV")?.level).toBe("problem");
    expect(find(map('backend = "consul"').items, 'backend = "consul"')?.level).toBe("problem");
    expect(find(map('secret_keyring = "/k"').items, "crypt")?.level).toBe("problem");
    expect(find(map("colour = 1").items, "colour: unknown")?.level).toBe("problem");
    expect(find(map('table = "t"').items, "other backends")?.level).toBe("note");
  });

  test("backend file: discovery from its one file; several files are a problem", () => {
    expect(map('backend = "file"\nfile = ["/k.yaml"]').settings.filePath).toBe("/k.yaml");
    expect(map('backend = "file"\nfile = "/k.yaml"').settings.filePath).toBe("/k.yaml");
    expect(find(map('backend = "file"\nfile = ["/a", "/b"]').items, "reads one file")?.level).toBe(
      "problem",
    );
  });
});
