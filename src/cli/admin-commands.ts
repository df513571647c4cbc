// The lbctl commands that ask the daemon (besides status and reload, in commands.ts): as data
// with lazy imports, so that none of them loads more than the admin client and its formatter.

import { UsageError } from "./args.ts";
import {
  ADMIN_FLAGS,
  adminLookup,
  type Command,
  positionals,
  printJson,
  wantsColor,
  wantsJson,
} from "./command-kit.ts";

const ADMIN = "[--admin URL] [--config FILE] [--token-file FILE] [--json]";

async function style(io: Parameters<Command["run"]>[1], args: Parameters<Command["run"]>[0]) {
  const { createStyle } = await import("./table.ts");
  return createStyle(wantsColor(io, args));
}

/** What each operator action does, for the line it prints. */
const ACTIONS = {
  drain: { summary: "drain BACKEND: no new sessions, current ones finish", done: "drained" },
  ready: { summary: "lift drain/maint on BACKEND: it takes traffic again", done: "ready" },
  maint: { summary: "put BACKEND in maintenance: no traffic, no checks", done: "in maintenance" },
} as const;

function actionCommand(action: keyof typeof ACTIONS): Command {
  return {
    summary: `${ACTIONS[action].summary} (until lbctl ready; survives reloads)`,
    usage: `${action} SVC BACKEND ${ADMIN}`,
    valued: ADMIN_FLAGS,
    booleans: ["json"],
    async run(args, io) {
      const [service, backend] = positionals(args, ["SVC", "BACKEND"]) as [string, string];
      const { fetchAdmin } = await import("./admin-client.ts");
      const path = `/v1/services/${encodeURIComponent(service)}/backends/${encodeURIComponent(backend)}/${action}`;
      const answer = await fetchAdmin(adminLookup(args), path, "POST");
      if (wantsJson(args)) printJson(io, answer);
      else {
        const lift = action === "ready" ? "" : ` (lift it with: lbctl ready ${service} ${backend})`;
        io.out(`${service}/${backend}: ${ACTIONS[action].done}${lift}\n`);
      }
      return 0;
    },
  };
}

/** A `--limit N` of 1 or more, if given. */
function limitOf(value: string | true | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "string" || !/^[1-9]\d{0,5}$/.test(value)) {
    throw new UsageError(`--limit must be a whole number from 1, got ${JSON.stringify(value)}`);
  }
  return Number(value);
}

export const ADMIN_COMMANDS: Record<string, Command> = {
  services: {
    summary: "list the services, their backends' count and health (GET /v1/services)",
    usage: `services ${ADMIN}`,
    valued: ADMIN_FLAGS,
    booleans: ["json"],
    async run(args, io) {
      positionals(args, []);
      const { fetchAdmin } = await import("./admin-client.ts");
      const services = await fetchAdmin(adminLookup(args), "/v1/services");
      if (wantsJson(args)) printJson(io, services);
      else {
        const { formatServices } = await import("./format-services.ts");
        io.out(formatServices(services as never, await style(io, args)));
      }
      return 0;
    },
  },

  backends: {
    summary: "list SVC's backends: address, weight, state, health, override (GET /v1/services/SVC)",
    usage: `backends SVC ${ADMIN}`,
    valued: ADMIN_FLAGS,
    booleans: ["json"],
    async run(args, io) {
      const [service] = positionals(args, ["SVC"]) as [string];
      const { fetchAdmin } = await import("./admin-client.ts");
      const view = await fetchAdmin(
        adminLookup(args),
        `/v1/services/${encodeURIComponent(service)}`,
      );
      if (wantsJson(args)) printJson(io, view);
      else {
        const { formatBackends } = await import("./format-services.ts");
        io.out(formatBackends(view as never, await style(io, args)));
      }
      return 0;
    },
  },

  config: {
    summary: "print the haproxy.cfg being served (GET /v1/config)",
    usage: `config ${ADMIN}`,
    valued: ADMIN_FLAGS,
    booleans: ["json"],
    async run(args, io) {
      positionals(args, []);
      const { fetchAdminText } = await import("./admin-client.ts");
      const text = await fetchAdminText(adminLookup(args), "/v1/config");
      if (wantsJson(args)) printJson(io, { config: text });
      else io.out(text);
      return 0;
    },
  },

  plan: {
    summary: "what the next apply would do: runtime API commands or why a reload (GET /v1/plan)",
    usage: `plan [--diff] ${ADMIN}`,
    valued: ADMIN_FLAGS,
    booleans: ["json", "diff"],
    async run(args, io) {
      positionals(args, []);
      const { fetchAdmin } = await import("./admin-client.ts");
      const path = args.flags.get("diff") ? "/v1/plan?diff=1" : "/v1/plan";
      const plan = await fetchAdmin(adminLookup(args), path);
      if (wantsJson(args)) printJson(io, plan);
      else {
        const { formatPlan } = await import("./format-plan.ts");
        io.out(formatPlan(plan as never, await style(io, args)));
      }
      return 0;
    },
  },

  drain: actionCommand("drain"),
  ready: actionCommand("ready"),
  maint: actionCommand("maint"),

  events: {
    summary: "print the recent events, oldest first (GET /v1/events?format=json)",
    usage: `events [--limit N] ${ADMIN}`,
    valued: [...ADMIN_FLAGS, "limit"],
    booleans: ["json"],
    async run(args, io) {
      positionals(args, []);
      const limit = limitOf(args.flags.get("limit"));
      const { fetchAdmin } = await import("./admin-client.ts");
      const query = limit === undefined ? "" : `&limit=${limit}`;
      const answer = await fetchAdmin(adminLookup(args), `/v1/events?format=json${query}`);
      if (wantsJson(args)) printJson(io, answer);
      else {
        const { formatEvent } = await import("./format-events.ts");
        const colours = await style(io, args);
        const events = (answer as { events?: never[] }).events ?? [];
        for (const event of events) io.out(`${formatEvent(event, colours)}\n`);
      }
      return 0;
    },
  },

  watch: {
    summary: "follow the events as they happen, one line each, until Ctrl-C (GET /v1/events)",
    usage: `watch ${ADMIN}`,
    valued: ADMIN_FLAGS,
    booleans: ["json"],
    async run(args, io) {
      positionals(args, []);
      const { findAdmin } = await import("./admin-client.ts");
      const { watchEvents } = await import("./watch.ts");
      const { formatEvent } = await import("./format-events.ts");
      const colours = await style(io, args);
      const signal = io.signal ?? stopOnInterrupt();
      await watchEvents({
        target: findAdmin(adminLookup(args), false),
        signal,
        onEvent: (event) =>
          io.out(`${wantsJson(args) ? JSON.stringify(event) : formatEvent(event, colours)}\n`),
        onNotice: (text) => io.err(`lbctl watch: ${text}\n`),
      });
      return 0;
    },
  },
};

/** A signal that aborts on Ctrl-C (and SIGTERM): `watch` then ends with 0. */
function stopOnInterrupt(): AbortSignal {
  const controller = new AbortController();
  for (const name of ["SIGINT", "SIGTERM"] as const) {
    process.once(name, () => controller.abort());
  }
  return controller.signal;
}
