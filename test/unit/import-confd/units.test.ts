// Unit files that write etcd v2: each `etcdctl set|mk|update|rm|rmdir` line rewritten for v3
// (`ETCDCTL_API=3 etcdctl put/del`, `lbctl register` where the key is a registration), keys no
// resource reads pointed out, and the generic mapping without --units.

import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { createReport } from "../../../src/import-confd/report.ts";
import {
  reportGenericMapping,
  reportUnit,
  rewriteUnitLine,
} from "../../../src/import-confd/units.ts";

const SEED_UNIT = join(
  import.meta.dir,
  "..",
  "..",
  "fixtures",
  "seed-units",
  "stupid-server@.service",
);

describe("unit lines for etcd v3", () => {
  test("the seed's ExecStartPost: put inside bash -c, and lbctl register as the alternative", () => {
    const rewrite = rewriteUnitLine(
      `ExecStartPost=/bin/bash -c 'etcdctl set /apps/stupid_server/%n "%p-%i $(curl http://169.254.169.254/latest/meta-data/public-ipv4/):9000"'`,
      "/apps/",
    );
    expect(rewrite?.line).toBe(
      `ExecStartPost=/bin/bash -c 'ETCDCTL_API=3 etcdctl put /apps/stupid_server/%n "%p-%i $(curl http://169.254.169.254/latest/meta-data/public-ipv4/):9000"'`,
    );
    expect(rewrite?.notes.join(" ")).toContain(
      'lbctl register stupid_server "$(curl http://169.254.169.254/latest/meta-data/public-ipv4/):9000" --name %p-%i',
    );
  });

  test.each([
    [
      "ExecStopPost=/bin/bash -c 'etcdctl rm /apps/s/%n'",
      "ExecStopPost=/bin/bash -c 'ETCDCTL_API=3 etcdctl del /apps/s/%n'",
    ],
    [
      "ExecStartPost=/usr/bin/etcdctl set /k v",
      "ExecStartPost=/usr/bin/env ETCDCTL_API=3 /usr/bin/etcdctl put /k v",
    ],
    [
      "ExecStopPost=-/usr/bin/etcdctl rm --recursive /apps/s",
      "ExecStopPost=-/usr/bin/env ETCDCTL_API=3 /usr/bin/etcdctl del --prefix /apps/s/",
    ],
    [
      "ExecStopPost=/bin/sh -c 'etcdctl rmdir /d/'",
      "ExecStopPost=/bin/sh -c 'ETCDCTL_API=3 etcdctl del --prefix /d/'",
    ],
    [
      "ExecStart=/bin/sh -c 'etcdctl --peers http://e:4001 update /k v'",
      "ExecStart=/bin/sh -c 'ETCDCTL_API=3 etcdctl --endpoints=http://e:4001 put /k v'",
    ],
    [
      "ExecStart=/bin/sh -c 'etcdctl mk /k v'",
      "ExecStart=/bin/sh -c 'ETCDCTL_API=3 etcdctl put /k v'",
    ],
  ])("%s", (line, expected) => {
    expect(rewriteUnitLine(line, "/apps/")?.line).toBe(expected);
  });

  test("set --ttl and mk say what changes in meaning; other lines are left alone", () => {
    expect(
      rewriteUnitLine("ExecStart=/bin/sh -c 'etcdctl set --ttl 60 /k v'", "/apps/")?.line,
    ).toContain("put /k v'");
    expect(
      rewriteUnitLine("ExecStart=/bin/sh -c 'etcdctl set --ttl 60 /k v'", "/apps/")?.notes[0],
    ).toContain("lease");
    expect(rewriteUnitLine("ExecStart=/bin/sh -c 'etcdctl mk /k v'", "/apps/")?.notes[0]).toContain(
      "overwrites",
    );
    expect(rewriteUnitLine("ExecStart=/usr/bin/docker run x", "/apps/")).toBeUndefined();
    expect(rewriteUnitLine("ExecStart=/bin/sh -c 'etcdctl get /k'", "/apps/")).toBeUndefined();
  });

  test("the seed's unit: both lines with file:line, and its keys are under no resource key", () => {
    const report = createReport();
    reportUnit(
      readFileSync(SEED_UNIT, "utf8"),
      "u.service",
      "/apps/",
      ["/app/your_awesome_app"],
      report,
    );
    const rewrites = report.items.filter((item) => item.message.startsWith("etcd v2 call"));
    expect(rewrites.map((item) => item.line)).toEqual([8, 11]);
    expect(rewrites[1]?.message).toContain("ETCDCTL_API=3 etcdctl del /apps/stupid_server/%n");
    const unread = report.items.filter((item) => item.message.includes("under no key"));
    expect(unread.map((item) => item.line)).toEqual([8, 11]);
    const matching = createReport();
    reportUnit(
      readFileSync(SEED_UNIT, "utf8"),
      "u.service",
      "/apps/",
      ["/apps/stupid_server"],
      matching,
    );
    expect(matching.items.some((item) => item.message.includes("under no key"))).toBe(false);
  });

  test("without units: the generic mapping, once", () => {
    const report = createReport();
    reportGenericMapping("confd.toml", report);
    expect(report.items).toHaveLength(1);
    expect(report.items[0]?.message).toContain("ETCDCTL_API=3 etcdctl put K V");
    expect(report.items[0]?.message).toContain("lbctl register SVC ADDR --name N");
  });
});
