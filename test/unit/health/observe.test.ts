import { describe, expect, test } from "bun:test";
import { indexLayout, mapRows, servedKeys } from "../../../src/health/observe.ts";
import { parseServersState } from "../../../src/health/servers-state.ts";
import type { Layout } from "../../../src/model/layout.ts";
import { API_1, layout, server, serversState, upRows, WEB_1, WEB_2 } from "./fixtures.ts";

const rowsOf = (fields = upRows()) => parseServersState(serversState(fields));

describe("mapRows: slots to etcd keys", () => {
  test("each occupied slot maps to its server's key; free slots are skipped", () => {
    const index = indexLayout(layout());
    const mapped = mapRows(rowsOf(), index, index);
    expect(
      mapped.observations.map((seen) => [seen.service, seen.name, seen.key, seen.state]),
    ).toEqual([
      ["web", "web-1", WEB_1.key, "up"],
      // HAProxy calls it .spare1; the model knows it as web-2.
      ["web", "web-2", WEB_2.key, "up"],
      ["api", "api-1", API_1.key, "up"],
    ]);
    expect(mapped.unsettled.size).toBe(0);
    expect(mapped.rows.get(WEB_2.key)?.id).toBe(2);
  });

  test("rows of backends and slots the layout does not know are ignored", () => {
    const index = indexLayout(layout());
    const rows = rowsOf([
      ...upRows(),
      { backend: "stats", id: 1, name: "x", addr: "10.9.9.9", port: 1 },
      { backend: "web", id: 9, name: "web-9", addr: "10.0.0.9", port: 80 },
    ]);
    expect(mapRows(rows, index, index).observations).toHaveLength(3);
  });

  test("a failed check is described by its status; a passing one has no error", () => {
    const index = indexLayout(layout());
    const fields = upRows();
    fields[0] = { ...fields[0]!, op: 0, checkStatus: 8, checkResult: 2, checkHealth: 0 };
    const [web1, web2] = mapRows(rowsOf(fields), index, index).observations;
    expect(web1).toMatchObject({
      state: "down",
      checkStatus: 8,
      error: "L4CON Layer4 connection problem",
    });
    expect(web2).toMatchObject({ state: "up", error: null });
  });

  test("a slot whose server changed during the read is unsettled, not attributed", () => {
    const before = layout();
    const after: Layout = new Map(before);
    const web3 = server("/apps/web/3", "web-3", "10.0.0.3", 8080);
    after.set("web", [
      { name: "web-1", server: WEB_1 },
      { name: ".spare1", server: web3 },
      { name: ".spare2", server: undefined },
    ]);
    const mapped = mapRows(rowsOf(), indexLayout(before), indexLayout(after));
    expect(mapped.observations.map((seen) => seen.key)).toEqual([WEB_1.key, API_1.key]);
    expect([...mapped.unsettled]).toEqual([web3.key]);
  });

  test("a row at another address than the layout says is unsettled (HAProxy not there yet)", () => {
    const index = indexLayout(layout());
    const fields = upRows();
    fields[1] = { ...fields[1]!, addr: "0.0.0.0", port: 0 };
    const mapped = mapRows(rowsOf(fields), index, index);
    expect([...mapped.unsettled]).toEqual([WEB_2.key]);
  });

  test("a DNS-named server matches on its port: HAProxy shows the address it resolved", () => {
    const dns = server("/apps/db/1", "db-1", "db.internal", 5432);
    const ipv6 = server("/apps/db/2", "db-2", "2001:db8::5", 5432);
    const index = indexLayout(
      new Map([
        [
          "db",
          [
            { name: "db-1", server: dns },
            { name: "db-2", server: ipv6 },
          ],
        ],
      ]),
    );
    const rows = rowsOf([
      { backend: "db", id: 1, name: "db-1", addr: "10.1.1.1", port: 5432 },
      { backend: "db", id: 2, name: "db-2", addr: "2001:db8::5", port: 5432 },
    ]);
    const mapped = mapRows(rows, index, index);
    expect(mapped.observations.map((seen) => [seen.key, seen.address])).toEqual([
      [dns.key, "db.internal:5432"],
      [ipv6.key, "[2001:db8::5]:5432"],
    ]);
  });

  test("servedKeys lists every occupied slot's key", () => {
    expect([...servedKeys(layout())].sort()).toEqual([API_1.key, WEB_1.key, WEB_2.key].sort());
  });
});
