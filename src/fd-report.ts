// HAProxy's file descriptors in status and the log: the limit, the maxconn the last render fit to
// it, what HAProxy needs, and a clear warning (logged once per change) when the limit is too low.

import { type FdBudget, fdShortage } from "./haproxy/fd-budget.ts";
import type { Logger } from "./log.ts";
import type { Layout } from "./model/layout.ts";
import type { LayoutFdBudget } from "./pipeline.ts";

/** The `haproxy.fd_*` fields of /v1/status; null before the first render. */
export type FdStatus = {
  /** The open-file limit HAProxy inherits (`fd-hard-limit`). */
  fd_limit: number | null;
  /** What HAProxy needs at the `maxconn` it runs with. */
  fd_needed: number | null;
  /** The global `maxconn` sluice gave the default template. */
  maxconn: number | null;
  /** Why the limit is too low for the servers and slots; null while it is not. */
  fd_problem: string | null;
};

export type FdReport = {
  /** Hears each render's budget; logs when the limit becomes too low (or short enough to lower
   * maxconn), and when it holds HAProxy again; not at every render in between. */
  rendered(budget: FdBudget, serverLines: number): void;
  /** The fields for the served layout's budget; while applies fail, the last render's problem
   * (the config HAProxy refused) is shown instead. */
  status(served: Layout | undefined, failing: boolean): FdStatus;
  /** What a render pipeline is made with so that its renders reach `rendered`. */
  pipelineOptions: { onFdBudget: (budget: FdBudget, serverLines: number) => void };
};

const UNKNOWN: FdStatus = { fd_limit: null, fd_needed: null, maxconn: null, fd_problem: null };

function statusOf({ budget, serverLines }: LayoutFdBudget): FdStatus {
  return {
    fd_limit: budget.limit,
    fd_needed: budget.needed,
    maxconn: budget.maxconn,
    fd_problem: fdShortage(budget, serverLines) ?? null,
  };
}

/** `budgetOf` gives a layout's budget as renders count it (the pipeline's `fdBudget`). */
export function createFdReport(
  log: Logger,
  budgetOf: (layout: Layout) => LayoutFdBudget,
): FdReport {
  let last: LayoutFdBudget | undefined;
  let logged: "holds" | "lowers maxconn" | "too low" = "holds";
  const report: FdReport = {
    rendered(budget, serverLines) {
      last = { budget, serverLines };
      const problem = fdShortage(budget, serverLines);
      const kind = !problem ? "holds" : budget.fits ? "lowers maxconn" : "too low";
      if (kind === logged) return;
      logged = kind;
      if (problem) log.warn(problem, { fd_limit: budget.limit, fd_needed: budget.needed });
      else log.info("the file-descriptor limit holds HAProxy again", { fd_limit: budget.limit });
    },
    status(served, failing) {
      const refused = failing && last && !last.budget.fits ? last : undefined;
      const shown = refused ?? (served && budgetOf(served));
      return shown ? statusOf(shown) : UNKNOWN;
    },
    pipelineOptions: { onFdBudget: (budget, lines) => report.rendered(budget, lines) },
  };
  return report;
}
