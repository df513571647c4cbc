// conf.d resources: their fields, the prefix confd gave them, owner names to ids, and which
// resource renders HAProxy's config (by dest, else by a reload_cmd that reloads HAProxy).

import { describe, expect, test } from "bun:test";
import { parse } from "smol-toml";
import { createReport } from "../../../src/import-confd/report.ts";
import {
  type ConfdResource,
  findHaproxyResource,
  isHaproxyConfigPath,
  joinKey,
  readResource,
  reloadsHaproxy,
} from "../../../src/import-confd/resource.ts";

const IDS: Record<string, number> = { "user:nginx": 101, "group:www": 33 };
const ids = (kind: "user" | "group", name: string) => IDS[`${kind}:${name}`];

function read(text: string, globalPrefix = "") {
  const report = createReport();
  const resource = readResource(parse(text), text, "r.toml", globalPrefix, report, ids);
  return { resource, items: report.items };
}

function resource(fields: Partial<ConfdResource>): ConfdResource {
  return {
    file: "r",
    src: "s",
    dest: "/d",
    keys: [],
    prefix: "",
    lineOf: () => undefined,
    ...fields,
  };
}

describe("template resources", () => {
  test("reads the seed's resource (keys on their own lines, as confd writes them)", () => {
    const { resource, items } = read(
      '[template]\nsrc = "haproxy.cfg.tmpl"\ndest = "/etc/haproxy/haproxy.cfg"\nkeys = [\n"/app/your_awesome_app"\n]\nreload_cmd = "echo restarting && /usr/bin/systemctl reload haproxy"\n',
    );
    expect(resource).toMatchObject({
      src: "haproxy.cfg.tmpl",
      dest: "/etc/haproxy/haproxy.cfg",
      keys: ["/app/your_awesome_app"],
      prefix: "",
      reloadCmd: "echo restarting && /usr/bin/systemctl reload haproxy",
    });
    expect(resource?.lineOf("reload_cmd")).toBe(7);
    expect(items).toEqual([]);
  });

  test("mode, uid, gid and check_cmd are kept; owner and group names become this host's ids", () => {
    const { resource, items } = read(
      '[template]\nsrc = "a.tmpl"\ndest = "/a"\nmode = "0640"\nuid = 0\nowner = "nginx"\ngroup = "www"\ncheck_cmd = "nginx -t -c {{.src}}"\n',
    );
    expect(resource).toMatchObject({
      mode: "0640",
      uid: 101,
      gid: 33,
      checkCmd: "nginx -t -c {{.src}}",
    });
    expect(items.map((item) => item.line)).toEqual([6, 7]);
    const missing = read('[template]\nsrc = "a"\ndest = "/a"\nowner = "nobody-here"\n');
    expect(missing.items[0]).toMatchObject({ level: "problem", line: 4 });
  });

  test("the prefix joins confd.toml's with the resource's, as confd 0.7 did, and says so", () => {
    expect(read('[template]\nsrc = "a"\ndest = "/a"\nprefix = "myapp"\n').resource?.prefix).toBe(
      "/myapp",
    );
    const both = read('[template]\nsrc = "a"\ndest = "/a"\nprefix = "myapp"\n', "/production");
    expect(both.resource?.prefix).toBe("/production/myapp");
    expect(both.items[0]).toMatchObject({ level: "action", line: 4 });
    expect(read('[template]\nsrc = "a"\ndest = "/a"\n', "/").resource?.prefix).toBe("");
  });

  test("no [template], no src, no dest or an unknown field is a problem", () => {
    expect(read('src = "a"').items[0]?.level).toBe("problem");
    expect(read('[template]\ndest = "/a"').resource).toBeUndefined();
    expect(read('[template]\nsrc = "a"').items[0]?.message).toContain("dest");
    expect(read('[template]\nsrc = "a"\ndest = "/a"\nbackup = true').items[0]).toMatchObject({
      level: "problem",
      line: 4,
    });
  });

  test("joinKey keeps a trailing slash and treats the root as no prefix", () => {
    expect(joinKey("/", "/app/x")).toBe("/app/x");
    expect(joinKey("/p/", "app/")).toBe("/p/app/");
    expect(joinKey("/")).toBe("");
    expect(joinKey("")).toBe("");
  });
});

describe("recognising HAProxy's resource", () => {
  test.each([
    ["/etc/haproxy/haproxy.cfg", true],
    ["/usr/local/etc/haproxy/haproxy.cfg", true],
    ["/etc/haproxy-edge.cfg", true],
    ["/etc/haproxy/conf.d/app.cfg", false],
    ["/etc/haproxy/edge.cfg", true],
    ["/etc/nginx/nginx.conf", false],
    ["/etc/haproxy/hosts.map", false],
  ])("dest %s: %p", (dest, expected) => {
    expect(isHaproxyConfigPath(dest)).toBe(expected);
  });

  test.each([
    ["/usr/bin/systemctl reload haproxy", true],
    ["echo restarting && /usr/bin/systemctl reload haproxy", true],
    ["service haproxy restart", true],
    ["/etc/init.d/haproxy reload", true],
    ["haproxy -f /etc/haproxy/haproxy.cfg -p /run/haproxy.pid -sf $(cat /run/haproxy.pid)", true],
    ["kill -USR2 $(cat /run/haproxy-master.pid)", true],
    ["systemctl reload nginx", false],
    ["haproxy -c -f /etc/haproxy/haproxy.cfg", false],
  ])("reload_cmd %s: %p", (command, expected) => {
    expect(reloadsHaproxy(command)).toBe(expected);
  });

  test("dest wins over reload_cmd; a map file that reloads HAProxy is not the config", () => {
    const map = resource({ dest: "/etc/haproxy/hosts.map", reloadCmd: "systemctl reload haproxy" });
    const nginx = resource({ dest: "/etc/nginx/nginx.conf", reloadCmd: "systemctl reload nginx" });
    const config = resource({ dest: "/etc/haproxy/haproxy.cfg" });
    const byReload = resource({ dest: "/etc/lb/lb.conf", reloadCmd: "systemctl reload haproxy" });
    expect(findHaproxyResource([map, nginx, config])).toBe(config);
    expect(findHaproxyResource([map, byReload])).toBe(byReload);
    expect(findHaproxyResource([map, nginx])).toBeUndefined();
  });
});
