import { describe, expect, test } from "bun:test";
import { createDnsCache, type DnsResolver, SrvRecord } from "../../../src/confd/dns.ts";
import { goValue } from "../../../src/confd/values.ts";

/** A resolver with fixed answers that counts its queries. */
function fakeResolver(answers: Record<string, string[]>) {
  const queries: string[] = [];
  const resolver: DnsResolver = {
    async lookupAddresses(name) {
      queries.push(name);
      const found = answers[name];
      if (!found) throw new Error("ENOTFOUND");
      return found.map((address) => ({ address, family: address.includes(":") ? 6 : 4 }));
    },
    async lookupSrv(name) {
      queries.push(name);
      if (name !== "_http._tcp.example.test") throw new Error("ENOTFOUND");
      return [
        { name: "b.example.test", port: 80, priority: 10, weight: 5 },
        { name: "a.example.test", port: 8080, priority: 20, weight: 1 },
      ];
    },
  };
  return { resolver, queries, answers };
}

describe("createDnsCache", () => {
  test("a name not yet cached gives [] and is pending until settled", async () => {
    const fake = fakeResolver({ "web.test": ["10.0.0.2", "10.0.0.10", "2001:db8::1"] });
    const dns = createDnsCache({ resolver: fake.resolver });
    expect(dns.lookupIP("web.test")).toEqual([]);
    expect(dns.pending()).toBe(true);
    expect(await dns.settle()).toBe(true);
    expect(dns.pending()).toBe(false);
    expect(dns.lookupIP("web.test")).toEqual(["10.0.0.10", "10.0.0.2", "2001:db8::1"]);
    expect(dns.lookupIPV4("web.test")).toEqual(["10.0.0.10", "10.0.0.2"]);
    expect(dns.lookupIPV6("web.test")).toEqual(["2001:db8::1"]);
  });

  test("settle reports a change only when an answer differs", async () => {
    const fake = fakeResolver({ "web.test": ["10.0.0.1"] });
    const dns = createDnsCache({ resolver: fake.resolver });
    dns.lookupIP("web.test");
    expect(await dns.settle()).toBe(true);
    dns.lookupIP("web.test");
    expect(await dns.settle()).toBe(false);
    fake.answers["web.test"] = ["10.0.0.9"];
    dns.lookupIP("web.test");
    expect(await dns.settle()).toBe(true);
    expect(dns.lookupIP("web.test")).toEqual(["10.0.0.9"]);
  });

  test("a name that does not resolve is empty, and settles without a change", async () => {
    const dns = createDnsCache({ resolver: fakeResolver({}).resolver });
    expect(dns.lookupIP("nothing.test")).toEqual([]);
    expect(await dns.settle()).toBe(false);
    expect(dns.pending()).toBe(false);
  });

  test("settle resolves only names asked since the last settle", async () => {
    const fake = fakeResolver({ "a.test": ["10.0.0.1"] });
    const dns = createDnsCache({ resolver: fake.resolver });
    dns.lookupIP("a.test");
    await dns.settle();
    await dns.settle();
    expect(fake.queries).toEqual(["a.test"]);
  });

  test("lookupSRV asks for _service._proto.name and sorts as confd", async () => {
    const dns = createDnsCache({ resolver: fakeResolver({}).resolver });
    expect(dns.lookupSRV("http", "tcp", "example.test")).toEqual([]);
    await dns.settle();
    const records = dns.lookupSRV("http", "tcp", "example.test");
    expect(records.map((r) => [r.Target, r.Port, r.Priority, r.Weight])).toEqual([
      ["a.example.test.", 8080, 20, 1],
      ["b.example.test.", 80, 10, 5],
    ]);
  });

  test("an SRV record prints as text/template prints a *net.SRV in an action", () => {
    expect(goValue(new SrvRecord("a.test.", 80, 10, 5))).toBe("{a.test. 80 10 5}");
  });

  test("the system resolver answers localhost with loopback addresses", async () => {
    const dns = createDnsCache();
    dns.lookupIP("localhost");
    await dns.settle();
    const addresses = dns.lookupIP("localhost");
    expect(addresses.length).toBeGreaterThan(0);
    for (const address of addresses) expect(["127.0.0.1", "::1"]).toContain(address);
  });

  test("refresh resolves again the names renders read, and reports a changed answer", async () => {
    const fake = fakeResolver({ "web.test": ["10.0.0.1"] });
    const dns = createDnsCache({ resolver: fake.resolver });
    expect(await dns.refresh()).toBe(false);
    expect(fake.queries).toEqual([]);
    dns.lookupIPV4("web.test");
    await dns.settle();
    expect(await dns.refresh()).toBe(false);
    fake.answers["web.test"] = ["10.0.0.9"];
    // No render since the last refresh: the same names are resolved again.
    expect(await dns.refresh()).toBe(true);
    expect(dns.lookupIPV4("web.test")).toEqual(["10.0.0.9"]);
    expect(fake.queries).toEqual(["web.test", "web.test", "web.test"]);
  });

  test("refresh forgets a name no render read since the previous refresh", async () => {
    const fake = fakeResolver({ "old.test": ["10.0.0.1"], "new.test": ["10.0.0.2"] });
    const dns = createDnsCache({ resolver: fake.resolver });
    dns.lookupIP("old.test");
    await dns.refresh();
    dns.lookupIP("new.test");
    fake.queries.length = 0;
    await dns.refresh();
    expect(fake.queries).toEqual(["new.test"]);
    expect(dns.pending()).toBe(false);
    expect(dns.lookupIP("new.test")).toEqual(["10.0.0.2"]);
    // Forgotten: the next read is pending again.
    expect(dns.lookupIP("old.test")).toEqual([]);
    expect(dns.pending()).toBe(true);
  });
});
