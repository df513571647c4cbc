// Retry delays: soon for failures that may pass by themselves, slowly for those that need an
// operator, never beyond their limits.

import { expect, test } from "bun:test";
import { applyRetryDelay } from "../../../src/apply/retry.ts";
import { ApplyError, RenderError } from "../../../src/errors.ts";

test.each([
  [0, new ApplyError("ENOSPC"), 100],
  [1, new ApplyError("ENOSPC"), 200],
  [5, new ApplyError("ENOSPC"), 3200],
  [6, new ApplyError("ENOSPC"), 5000],
  [1000, new ApplyError("ENOSPC"), 5000],
  [1000, new Error("a library's error"), 5000],
  [3, new RenderError("bad template"), 800],
  [9, new RenderError("bad template"), 30_000],
  [1000, new RenderError("bad template"), 30_000],
])("retry %d after %p waits %d ms", (attempt, error, delay) => {
  expect(applyRetryDelay(attempt, error)).toBe(delay);
});
