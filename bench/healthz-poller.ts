// Polls a URL every 10 ms, open loop, in a process of its own (so the load generator's own event
// loop does not inflate the figures); on SIGTERM prints the latency percentiles as JSON.

const url = process.argv[2]!;
const latencies: number[] = [];
const slow: string[] = [];
const t0 = performance.now();
const timer = setInterval(() => {
  const start = performance.now();
  fetch(url)
    .then((response) => response.arrayBuffer())
    .catch(() => undefined)
    .then(() => {
      const ms = performance.now() - start;
      latencies.push(ms);
      if (ms > 100) slow.push(`+${(start - t0).toFixed(0)}:${ms.toFixed(0)}`);
    });
}, 10);
process.on("SIGTERM", () => {
  clearInterval(timer);
  const sorted = [...latencies].sort((a, b) => a - b);
  const p = (q: number) =>
    sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? 0;
  const over50 = sorted.filter((v) => v > 50).length;
  console.log(
    JSON.stringify({
      n: sorted.length,
      p50: p(0.5),
      p99: p(0.99),
      max: p(1),
      over50,
      slow: slow.slice(0, 40),
    }),
  );
  process.exit(0);
});
