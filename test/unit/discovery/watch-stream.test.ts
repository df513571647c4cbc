// One watch stream against a scripted connection: how each message etcd sends moves its states,
// and how it ends.

import { describe, expect, test } from "bun:test";
import type {
  EtcdConnection,
  WatchListener,
  WatchMessage,
  WatchStream,
} from "../../../src/discovery/connection.ts";
import type { MirrorEvent } from "../../../src/discovery/mirror.ts";
import { watchPrefix } from "../../../src/discovery/watch-stream.ts";
import { DiscoveryError, isRetryable } from "../../../src/errors.ts";

/** A connection whose one stream answers the create request with `answers`, and records what
 * it was asked. */
function scripted(answers: WatchMessage[]) {
  const asked = { creates: [] as unknown[], progressRequests: 0, canceled: false };
  let listener: WatchListener | undefined;
  const stream: WatchStream = {
    create(request) {
      asked.creates.push(request);
      for (const answer of answers) setTimeout(() => listener?.message(answer), 1);
    },
    requestProgress: () => asked.progressRequests++,
    cancel: () => {
      asked.canceled = true;
    },
  };
  const connection: EtcdConnection = {
    list: async () => ({ kvs: [], revision: 1 }),
    watch: async (newListener) => {
      listener = newListener;
      return stream;
    },
    close: () => undefined,
  };
  return { connection, asked, send: (message: WatchMessage) => listener?.message(message) };
}

function watch(connection: EtcdConnection, signal = new AbortController().signal) {
  const seen: { created: number; events: MirrorEvent[] } = { created: 0, events: [] };
  const ended = watchPrefix(connection, {
    prefix: "/apps/",
    startRevision: 8,
    createTimeoutMs: 100,
    progressIntervalMs: 20,
    progressGraceMs: 20,
    signal,
    onCreated: () => seen.created++,
    onEvents: (events) => seen.events.push(...events),
  });
  return { ended, seen };
}

const put: MirrorEvent = {
  type: "put",
  key: "/apps/web/a",
  value: "1.1.1.1:80",
  modRevision: 8,
  createRevision: 8,
};

describe("watchPrefix", () => {
  test("asks for the prefix from the start revision, then hands on events", async () => {
    const etcd = scripted([{ kind: "created" }, { kind: "events", events: [put] }]);
    const { ended, seen } = watch(etcd.connection);
    await Bun.sleep(10);
    expect(etcd.asked.creates).toEqual([{ prefix: "/apps/", startRevision: 8 }]);
    expect(seen).toEqual({ created: 1, events: [put] });
    etcd.send({ kind: "compacted", compactRevision: 9 });
    expect(await ended).toEqual({ compactRevision: 9 });
    expect(etcd.asked.canceled).toBe(true);
  });

  test("a second 'created' is a wrong transition and ends the watch with it", async () => {
    const etcd = scripted([{ kind: "created" }, { kind: "created" }]);
    await expect(watch(etcd.connection).ended).rejects.toThrow(
      "etcd watch stream: cannot move from watching to watching",
    );
  });

  test("a watch etcd does not create in time fails", async () => {
    const etcd = scripted([]);
    await expect(watch(etcd.connection).ended).rejects.toThrow("watch not created within 100ms");
  });

  test("a cancel for refused credentials ends it with an error that is not retried soon", async () => {
    const etcd = scripted([
      { kind: "created" },
      { kind: "canceled", reason: "etcdserver: permission denied", refused: true },
    ]);
    const error = await watch(etcd.connection).ended.catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(DiscoveryError);
    expect((error as Error).message).toBe("watch canceled by etcd: etcdserver: permission denied");
    expect(isRetryable(error)).toBe(false);
  });

  test("progress requests go out while watching; a stream that stops answering is ended", async () => {
    const etcd = scripted([{ kind: "created" }]);
    const { ended } = watch(etcd.connection);
    const error = await ended.catch((caught: unknown) => caught);
    expect((error as Error).message).toBe("watch stopped answering progress requests");
    expect(isRetryable(error)).toBe(true);
    expect(etcd.asked.progressRequests).toBe(1);
  });

  test("answered progress requests keep it open", async () => {
    const etcd = scripted([{ kind: "created" }]);
    const { ended } = watch(etcd.connection);
    const answering = setInterval(() => etcd.send({ kind: "progress" }), 10);
    await Bun.sleep(150);
    clearInterval(answering);
    expect(etcd.asked.progressRequests).toBeGreaterThan(2);
    expect(etcd.asked.canceled).toBe(false);
    etcd.send({ kind: "compacted", compactRevision: 9 });
    await ended;
  });

  test("an abort ends it with the abort's reason and cancels the stream", async () => {
    const etcd = scripted([{ kind: "created" }]);
    const abort = new AbortController();
    const { ended } = watch(etcd.connection, abort.signal);
    await Bun.sleep(5);
    abort.abort(new DiscoveryError("stopped"));
    await expect(ended).rejects.toThrow("stopped");
    expect(etcd.asked.canceled).toBe(true);
  });
});
