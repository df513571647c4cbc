// HAProxy's file descriptors in status and the log: the limit, the maxconn the last render fit to
// it, what HAProxy needs, and a clear warning (logged once per change) when the limit is too low.

import { type FdBudget, fdShortage } from "./haproxy/fd-budget.ts";
import type { Logger } from "./log.ts";

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
  status(): FdStatus;
  /** What a render pipeline is made with so that its renders reach `rendered`. */
  pipelineOptions: { onFdBudget: (budget: FdBudget, serverLines: number) => void };
};

export function createFdReport(log: Logger): FdReport {
  let last: { budget: FdBudget; problem: string | undefined } | undefined;
  let logged: "holds" | "lowers maxconn" | "too low" = "holds";
  const report: FdReport = {
    rendered(budget, serverLines) {
      const problem = fdShortage(budget, serverLines);
      last = { budget, problem };
      const kind = !problem ? "holds" : budget.fits ? "lowers maxconn" : "too low";
      if (kind === logged) return;
      logged = kind;
      if (problem) log.warn(problem, { fd_limit: budget.limit, fd_needed: budget.needed });
      else log.info("the file-descriptor limit holds HAProxy again", { fd_limit: budget.limit });
    },
    status() {
      return {
        fd_limit: last?.budget.limit ?? null,
        fd_needed: last?.budget.needed ?? null,
        maxconn: last?.budget.maxconn ?? null,
        fd_problem: last?.problem ?? null,
      };
    },
    pipelineOptions: { onFdBudget: (budget, lines) => report.rendered(budget, lines) },
  };
  return report;
}
