import { describe, expect, test } from "bun:test";
import {
  freshLayout,
  type Layout,
  type LayoutOptions,
  laidOutServices,
  updateLayout,
} from "../../../src/model/layout.ts";
import type { Server } from "../../../src/model/types.ts";
import { SLOTS } from "../../../src/tunables.ts";
import { model, server, servers } from "./servers.ts";

const OPTIONS: LayoutOptions = { minSpares: 2, spareRatio: 0.25, maxSpares: 1024 };

/** A service's slots as `slot=server-name`, or `slot` alone when free. */
function slots(layout: Layout, service = "web"): string[] {
  return (layout.get(service) ?? []).map((slot) =>
    slot.server ? `${slot.name}=${slot.server.name}` : slot.name,
  );
}

/** The etcd key in each slot, `-` when free. */
function keys(layout: Layout, service = "web"): string[] {
  return (layout.get(service) ?? []).map((slot) => slot.server?.key ?? "-");
}

const A = server("web", "a", "10.0.0.1:80");
const B = server("web", "b", "10.0.0.2:80");
const C = server("web", "c", "10.0.0.3:80");

describe("freshLayout", () => {
  test("names occupied slots after their servers, in model order, then spares .spare1..", () => {
    const layout = freshLayout(model({ web: [B, A, C] }), OPTIONS);
    expect(slots(layout)).toEqual(["a=a", "b=b", "c=c", ".spare1", ".spare2"]);
  });

  test.each([
    // servers, minSpares, spareRatio, spares
    [0, 8, 0.25, 8],
    [4, 8, 0.25, 8],
    [32, 8, 0.25, 8],
    [33, 8, 0.25, 9],
    [40, 8, 0.25, 10],
    [100, 8, 0.25, 25],
    [3, 0, 0.25, 1],
    [1, 0, 0.25, 1],
    [0, 0, 0.25, 0],
    [10, 0, 0, 0],
  ])(
    "%i servers with minSpares %i and ratio %d get %i spares",
    (count, minSpares, spareRatio, spares) => {
      const layout = freshLayout(model({ web: servers("web", count) }), {
        minSpares,
        spareRatio,
        maxSpares: 1024,
      });
      const all = layout.get("web") ?? [];
      expect(all).toHaveLength(count + spares);
      expect(all.slice(0, count).every((slot) => slot.server !== undefined)).toBe(true);
      expect(all.slice(count).map((slot) => [slot.name, slot.server])).toEqual(
        Array.from({ length: spares }, (_, i) => [`.spare${i + 1}`, undefined]),
      );
    },
  );

  test("gives every service its own slots, an empty service only spares", () => {
    const layout = freshLayout(
      model({ web: [A], api: [server("api", "x", "10.0.1.1:80")], empty: [] }),
      OPTIONS,
    );
    expect([...layout.keys()]).toEqual(["api", "empty", "web"]);
    expect(slots(layout, "api")).toEqual(["x=x", ".spare1", ".spare2"]);
    expect(slots(layout, "empty")).toEqual([".spare1", ".spare2"]);
    expect(slots(layout, "web")).toEqual(["a=a", ".spare1", ".spare2"]);
  });
});

describe("updateLayout", () => {
  const start = freshLayout(model({ web: [A, B, C] }), OPTIONS);

  test("an unchanged model keeps every slot as it was", () => {
    const next = updateLayout(start, model({ web: [A, B, C] }), OPTIONS);
    expect(slots(next)).toEqual(slots(start));
  });

  test("a server stays in its slot when its address, weight or name changes (matched by key)", () => {
    const renamed = server("web", "b-renamed", "10.9.9.9:8080", { key: B.key, weight: 7 });
    const next = updateLayout(start, model({ web: [A, renamed, C] }), OPTIONS);
    expect(slots(next)).toEqual(["a=a", "b=b-renamed", "c=c", ".spare1", ".spare2"]);
    const slot = next.get("web")?.[1];
    expect(slot?.server?.address).toBe("10.9.9.9:8080");
    expect(slot?.server?.weight).toBe(7);
  });

  test("a removed server frees its slot, which keeps its name; the others do not move", () => {
    const next = updateLayout(start, model({ web: [A, C] }), OPTIONS);
    expect(slots(next)).toEqual(["a=a", "b", "c=c", ".spare1", ".spare2"]);
    expect(keys(next)).toEqual([A.key, "-", C.key, "-", "-"]);
  });

  test("a new server takes a free slot with its own name before a spare", () => {
    const removed = updateLayout(start, model({ web: [A, C] }), OPTIONS);
    // Back under a new key, with the same name: it gets its old slot back.
    const again = server("web", "b", "10.0.0.20:80", { key: "/apps/web/b-again" });
    const next = updateLayout(removed, model({ web: [A, again, C] }), OPTIONS);
    expect(slots(next)).toEqual(["a=a", "b=b", "c=c", ".spare1", ".spare2"]);
    expect(keys(next)[1]).toBe("/apps/web/b-again");
  });

  test("a new server takes a .spare slot before a slot freed by another server", () => {
    const removed = updateLayout(start, model({ web: [A, C] }), OPTIONS);
    const d = server("web", "d", "10.0.0.4:80");
    const next = updateLayout(removed, model({ web: [A, C, d] }), OPTIONS);
    expect(slots(next)).toEqual(["a=a", "b", "c=c", ".spare1=d", ".spare2"]);
  });

  test("a new server takes any free slot once the spares are used", () => {
    const full = updateLayout(
      start,
      model({
        web: [A, B, C, server("web", "d", "10.0.0.4:80"), server("web", "e", "10.0.0.5:80")],
      }),
      OPTIONS,
    );
    expect(slots(full)).toEqual(["a=a", "b=b", "c=c", ".spare1=d", ".spare2=e"]);
    const withoutB = updateLayout(full, model({ web: [A, C, ...["d", "e"].map(byName)] }), OPTIONS);
    const f = server("web", "f", "10.0.0.6:80");
    const next = updateLayout(
      withoutB,
      model({ web: [A, C, ...["d", "e"].map(byName), f] }),
      OPTIONS,
    );
    expect(slots(next)).toEqual(["a=a", "b=f", "c=c", ".spare1=d", ".spare2=e"]);
  });

  test("a new server appends .spareN+1 only when no slot is free", () => {
    const full = updateLayout(start, model({ web: [A, B, C, byName("d"), byName("e")] }), OPTIONS);
    expect(full.get("web")).toHaveLength(5);
    const next = updateLayout(
      full,
      model({ web: [A, B, C, byName("d"), byName("e"), byName("f"), byName("g")] }),
      OPTIONS,
    );
    expect(slots(next)).toEqual([
      "a=a",
      "b=b",
      "c=c",
      ".spare1=d",
      ".spare2=e",
      ".spare3=f",
      ".spare4=g",
    ]);
  });

  test("appended slots are numbered after the highest .spare, never reusing a name", () => {
    // Slots a, .spare1 (taken) and .spare5 (taken): a new one must be .spare6.
    const previous: Layout = new Map([
      [
        "web",
        [
          { name: "a", server: A },
          { name: ".spare5", server: C },
          { name: ".spare1", server: B },
        ],
      ],
    ]);
    const next = updateLayout(previous, model({ web: [A, B, C, byName("d")] }), OPTIONS);
    expect(slots(next)).toEqual(["a=a", ".spare5=c", ".spare1=b", ".spare6=d"]);
    const names = slots(next).map((s) => s.split("=")[0]);
    expect(new Set(names).size).toBe(names.length);
  });

  test("a new service gets a fresh layout; a service gone from the model is dropped", () => {
    const x = server("api", "x", "10.0.1.1:80");
    const next = updateLayout(start, model({ api: [x] }), OPTIONS);
    expect([...next.keys()]).toEqual(["api"]);
    expect(slots(next, "api")).toEqual(["x=x", ".spare1", ".spare2"]);
  });

  test("a service emptied of servers keeps all its slots, free", () => {
    const next = updateLayout(start, model({ web: [] }), OPTIONS);
    expect(slots(next)).toEqual(["a", "b", "c", ".spare1", ".spare2"]);
  });

  test("does not change the previous layout", () => {
    const before = slots(start);
    updateLayout(start, model({ web: [byName("z")] }), OPTIONS);
    expect(slots(start)).toEqual(before);
  });

  test("a long add/remove churn never grows the slot count while servers fit", () => {
    // Deterministic pseudo-random churn: 2000 steps over a pool of 60 possible servers, with
    // never more live servers than the 10 + 8 slots of the first layout.
    const pool = servers("web", 60, "n");
    let seed = 12345;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const options: LayoutOptions = { minSpares: 8, spareRatio: 0.25, maxSpares: 1024 };
    let live = pool.slice(0, 10);
    let layout = freshLayout(model({ web: live }), options);
    const capacity = layout.get("web")?.length ?? 0;
    expect(capacity).toBe(18);
    for (let step = 0; step < 2000; step++) {
      const candidates = pool.filter((s) => !live.includes(s));
      const add = live.length === 0 || (live.length < capacity && random() < 0.5);
      if (add) {
        live = [...live, candidates[Math.floor(random() * candidates.length)]!];
      } else {
        const index = Math.floor(random() * live.length);
        live = live.filter((_, i) => i !== index);
      }
      const previous = layout;
      layout = updateLayout(previous, model({ web: live }), options);
      const now = layout.get("web") ?? [];
      expect(now).toHaveLength(capacity);
      // Every live server is in exactly one slot, and no server that stayed has moved.
      const placed = now.flatMap((slot) => (slot.server ? [slot.server.key] : []));
      expect(placed.sort()).toEqual(live.map((s) => s.key).sort());
      for (const [i, slot] of (previous.get("web") ?? []).entries()) {
        if (slot.server && live.some((s) => s.key === slot.server?.key)) {
          expect(now[i]?.server?.key).toBe(slot.server.key);
        }
      }
    }
  });
});

describe("laidOutServices", () => {
  test("gives each server its slot name and lists free slots, both in slot order", () => {
    const m = model({ web: [A, C, byName("d")] });
    const layout = updateLayout(freshLayout(model({ web: [A, B, C] }), OPTIONS), m, OPTIONS);
    const [web] = laidOutServices(m, layout);
    // LaidOutService intersects Service's servers with the slotted ones; read them as slotted.
    const slotted: (Server & { slot: string })[] = web?.servers ?? [];
    expect(slotted.map((s) => [s.slot, s.name, s.address])).toEqual([
      ["a", "a", "10.0.0.1:80"],
      ["c", "c", "10.0.0.3:80"],
      [".spare1", "d", "10.0.0.4:80"],
    ]);
    expect(web?.spares).toEqual(["b", ".spare2"]);
    expect(web?.name).toBe("web");
    expect(web?.balance).toBe("leastconn");
  });
});

function byName(name: string): Server {
  const index = name.charCodeAt(0) - "a".charCodeAt(0) + 1;
  return server("web", name, `10.0.0.${index}:80`);
}

describe("spare cap", () => {
  test("a huge backend gets at most maxSpares free slots", () => {
    const layout = freshLayout(model({ web: servers("web", 10_000) }), {
      minSpares: 8,
      spareRatio: 0.25,
      maxSpares: 1024,
    });
    const spares = (layout.get("web") ?? []).filter((slot) => slot.server === undefined);
    expect(spares).toHaveLength(1024);
  });
});

describe("dynamic slots", () => {
  const full = (): Layout => freshLayout(model({ web: [A] }), { ...OPTIONS, minSpares: 1 });

  test("a server that finds no free slot takes a dynamic one, numbered .add1..", () => {
    const next = updateLayout(full(), model({ web: [A, B, C] }), OPTIONS, undefined, true);
    expect(slots(next)).toEqual(["a=a", ".spare1=b", ".add1=c"]);
    expect(next.get("web")!.map((slot) => slot.dynamic ?? false)).toEqual([false, false, true]);
  });

  test("without dynamic, or on a balance that refuses runtime servers, a spare is appended", () => {
    expect(slots(updateLayout(full(), model({ web: [A, B, C] }), OPTIONS))).toEqual([
      "a=a",
      ".spare1=b",
      ".spare2=c",
    ]);
    const layout = full();
    const m = model({ web: [A, B, C] });
    const source = { ...m, services: m.services.map((s) => ({ ...s, balance: "source" })) };
    expect(slots(updateLayout(layout, source, OPTIONS, undefined, true))).toEqual([
      "a=a",
      ".spare1=b",
      ".spare2=c",
    ]);
  });

  test("a dynamic slot freed stays dynamic and takes the next server; the file never shows it", () => {
    const grown = updateLayout(full(), model({ web: [A, B, C] }), OPTIONS, undefined, true);
    const freed = updateLayout(grown, model({ web: [A, B] }), OPTIONS, undefined, true);
    expect(slots(freed)).toEqual(["a=a", ".spare1=b", ".add1"]);
    const D = server("web", "d", "10.0.0.4:80");
    const again = updateLayout(freed, model({ web: [A, B, D] }), OPTIONS, undefined, true);
    expect(slots(again)).toEqual(["a=a", ".spare1=b", ".add1=d"]);
    expect(again.get("web")![2]!.dynamic).toBe(true);
    const [web] = laidOutServices(model({ web: [A, B, D] }), again);
    expect(web!.servers.map((s) => s.slot)).toEqual(["a", ".spare1"]);
    expect(web!.spares).toEqual([]);
  });

  test("a fresh layout puts every server in a slot of its own and doubles slots run low", () => {
    const grown = updateLayout(full(), model({ web: [A, B, C] }), OPTIONS, undefined, true);
    const fresh = freshLayout(model({ web: [A, B, C] }), OPTIONS, grown);
    expect(slots(fresh)).toEqual(["a=a", "b=b", "c=c", ".spare1", ".spare2"]);
    expect(fresh.get("web")!.some((slot) => slot.dynamic)).toBe(false);
  });
});

describe("a burst too big for runtime adds", () => {
  test("past SLOTS.maxDynamic the rest take new spare lines (a reload) instead", () => {
    const layout = freshLayout(model({ web: [A] }), { ...OPTIONS, minSpares: 0, spareRatio: 0 });
    const many = Array.from({ length: SLOTS.maxDynamic + 5 }, (_, i) =>
      server("web", `n${i}`, `10.1.${i >> 8}.${i & 255}:80`),
    );
    const next = updateLayout(layout, model({ web: [A, ...many] }), OPTIONS, undefined, true);
    const web = next.get("web")!;
    expect(web.filter((slot) => slot.dynamic)).toHaveLength(SLOTS.maxDynamic);
    expect(web.filter((slot) => slot.name.startsWith(".spare")).map((slot) => slot.name)).toEqual([
      ".spare1",
      ".spare2",
      ".spare3",
      ".spare4",
      ".spare5",
    ]);
  });
});
