import { describe, expect, test } from "bun:test";
import type { CheckTarget, StatsSource } from "../../../src/health/details.ts";
import { createHealthMonitor, type HealthMonitorOptions } from "../../../src/health/monitor.ts";
import type { HealthTransition } from "../../../src/health/types.ts";
import type { Layout } from "../../../src/model/layout.ts";
import { createMemoryLogger, FakeClock, settle } from "../haproxy/fake-haproxy.ts";
import { layout, type RowFields, serversState, upRows, WEB_1, WEB_2 } from "./fixtures.ts";

/** A stats socket whose rows the test sets; `fail` makes reads throw. */
class FakeStats implements StatsSource {
  rows: RowFields[] = upRows();
  fail = false;
  reads = 0;
  asked: CheckTarget[][] = [];
  /** Runs during a read, between the monitor's two looks at the layout. */
  duringRead: (() => void) | undefined;
  async serversState(): Promise<string> {
    this.reads++;
    if (this.fail) throw new Error("connect ENOENT /run/sluice/haproxy.sock");
    this.duringRead?.();
    return serversState(this.rows);
  }
  /** Runs while the full descriptions of failed checks are being read. */
  duringDescribe: (() => void) | undefined;
  async serverStats(targets: readonly CheckTarget[]): Promise<string[]> {
    this.asked.push([...targets]);
    this.duringDescribe?.();
    return targets.map(
      () =>
        "# pxname,svname,status,check_status,last_chk,check_desc\nweb,web-1,DOWN,L4CON,Connection refused,Layer4 connection problem\n",
    );
  }
}

function setup(overrides: Partial<HealthMonitorOptions> = {}) {
  const clock = new FakeClock();
  const stats = new FakeStats();
  const log = createMemoryLogger();
  let served: Layout | undefined = layout();
  let revision = 40;
  const monitor = createHealthMonitor({
    enabled: true,
    pollIntervalMs: 1000,
    source: stats,
    layout: () => served,
    revision: () => revision,
    clock,
    log,
    ...overrides,
  });
  const transitions: HealthTransition[] = [];
  monitor.onTransition((transition) => transitions.push(transition));
  const tick = async (ms = 1000) => {
    clock.advance(ms);
    await settle();
  };
  return {
    clock,
    stats,
    log,
    monitor,
    transitions,
    tick,
    serve: (next: Layout | undefined) => {
      served = next;
    },
    setRevision: (next: number) => {
      revision = next;
    },
  };
}

const downRow = (row: RowFields): RowFields => ({
  ...row,
  op: 0,
  checkStatus: 8,
  checkResult: 2,
  checkHealth: 0,
});

describe("the health monitor", () => {
  test("polls every interval once started, never before, and stops", async () => {
    const { stats, monitor, tick } = setup();
    await tick();
    expect(stats.reads).toBe(0);
    monitor.start();
    await tick();
    await tick();
    expect(stats.reads).toBe(2);
    await monitor.stop();
    await tick();
    expect(stats.reads).toBe(2);
  });

  test("with checks off it never polls", async () => {
    const { stats, monitor, tick } = setup({ enabled: false });
    monitor.start();
    await tick(5000);
    expect(stats.reads).toBe(0);
    expect(monitor.enabled).toBe(false);
  });

  test("a server going down is logged once with service, server, key, from→to and the check error", async () => {
    const { stats, log, monitor, transitions, setRevision } = setup();
    await monitor.poll();
    expect(log.lines).toEqual([]);
    expect(transitions.map((t) => [t.key, t.from, t.to])).toEqual([
      [WEB_1.key, null, "up"],
      [WEB_2.key, null, "up"],
      ["/apps/api/1", null, "up"],
    ]);
    transitions.length = 0;
    setRevision(41);
    stats.rows[0] = downRow(stats.rows[0]!);
    await monitor.poll();
    await monitor.poll();
    expect(transitions).toHaveLength(1);
    expect(transitions[0]).toMatchObject({
      key: WEB_1.key,
      from: "up",
      to: "down",
      lastError: "L4CON Connection refused",
    });
    expect(stats.asked).toEqual([[{ key: WEB_1.key, backend: "web", id: 1 }]]);
    expect(log.lines).toEqual([
      `warn backend down ${JSON.stringify({ service: "web", server: "web-1", key: WEB_1.key, address: "10.0.0.1:8080", from: "up", to: "down", error: "L4CON Connection refused" })}`,
    ]);
    expect(monitor.get(WEB_1.key)).toMatchObject({
      state: "down",
      downSinceRevision: 41,
      lastError: "L4CON Connection refused",
    });
    stats.rows[0] = upRows()[0]!;
    await monitor.poll();
    expect(log.lines[1]).toStartWith("info backend up ");
    expect(log.lines[1]).toContain('"from":"down","to":"up"');
  });

  test("while a failed check is being described, the server is not yet down without its error", async () => {
    const { stats, monitor } = setup();
    await monitor.poll();
    stats.rows[0] = downRow(stats.rows[0]!);
    let seenDuring: unknown;
    stats.duringDescribe = () => {
      seenDuring = monitor.get(WEB_1.key);
    };
    await monitor.poll();
    expect(seenDuring).toMatchObject({ state: "up" });
    expect(monitor.get(WEB_1.key)).toMatchObject({
      state: "down",
      lastError: "L4CON Connection refused",
    });
  });

  test("a failed read marks the data stale and keeps the last health; a good read clears it", async () => {
    const { clock, stats, log, monitor } = setup();
    expect(monitor.stale()).toBe(true);
    await monitor.poll();
    expect(monitor.stale()).toBe(false);
    expect(monitor.freshAt()).toBe(clock.now());
    const freshAt = clock.now();
    stats.fail = true;
    clock.advance(1000);
    await monitor.poll();
    await monitor.poll();
    expect(monitor.stale()).toBe(true);
    expect(monitor.freshAt()).toBe(freshAt);
    expect(monitor.get(WEB_1.key)?.state).toBe("up");
    // One warning, however many reads fail.
    expect(log.lines.filter((line) => line.includes("cannot read"))).toHaveLength(1);
    stats.fail = false;
    await monitor.poll();
    expect(monitor.stale()).toBe(false);
    expect(log.lines.at(-1)).toContain("reading haproxy's server states again");
  });

  test("data older than three intervals is stale even without a failed read", async () => {
    const { clock, monitor } = setup();
    await monitor.poll();
    clock.advance(3000);
    expect(monitor.stale()).toBe(false);
    clock.advance(1);
    expect(monitor.stale()).toBe(true);
  });

  test("a slot reassigned during the read keeps its previous attribution until read again", async () => {
    const { stats, monitor, transitions, serve } = setup();
    await monitor.poll();
    transitions.length = 0;
    // While HAProxy answers, the layout moves web-2 out of .spare1 and a new server in; the row
    // (still web-2's, down) must not be charged to the newcomer.
    stats.rows[1] = downRow(stats.rows[1]!);
    const next = layout();
    const web3 = { ...WEB_2, key: "/apps/web/3", name: "web-3" };
    next.set("web", [
      next.get("web")![0]!,
      { name: ".spare1", server: web3 },
      next.get("web")![2]!,
    ]);
    stats.duringRead = () => serve(next);
    await monitor.poll();
    expect(transitions).toEqual([]);
    expect(monitor.get(web3.key)).toBeUndefined();
    expect(monitor.get(WEB_2.key)).toBeUndefined();
  });

  test("a listener that throws neither stops the others nor the poll", async () => {
    const { monitor, transitions, log } = setup();
    monitor.onTransition(() => {
      throw new Error("boom");
    });
    await monitor.poll();
    expect(transitions).toHaveLength(3);
    expect(monitor.stale()).toBe(false);
    expect(log.lines.some((line) => line.includes("a health listener failed"))).toBe(true);
  });

  test("before the first apply there is nothing to map, and that is not stale", async () => {
    const { monitor, serve } = setup();
    serve(undefined);
    await monitor.poll();
    expect(monitor.snapshot()).toEqual([]);
    expect(monitor.stale()).toBe(false);
  });
});

describe("transition logging", () => {
  test("a mass change logs the first 100 one by one and counts the rest in one line", async () => {
    const { log, monitor, stats, serve } = setup();
    const many = new Map([
      [
        "web",
        Array.from({ length: 250 }, (_, i) => ({
          name: `s${i}`,
          server: {
            ...WEB_1,
            key: `/apps/web/s${i}`,
            name: `s${i}`,
            port: 1000 + i,
            address: `10.0.0.1:${1000 + i}`,
          },
        })),
      ],
    ]);
    serve(many);
    stats.rows = Array.from({ length: 250 }, (_, i) =>
      downRow({ backend: "web", id: i + 1, name: `s${i}`, addr: "10.0.0.1", port: 1000 + i }),
    );
    await monitor.poll();
    expect(log.lines.filter((line) => line.startsWith("warn backend down "))).toHaveLength(100);
    expect(log.lines.at(-1)).toBe(
      `warn more backends changed state than are logged one by one ${JSON.stringify({ more: 150, down: 150 })}`,
    );
    expect(monitor.snapshot().filter((health) => health.state === "down")).toHaveLength(250);
  });
});
