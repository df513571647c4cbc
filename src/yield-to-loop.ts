// A turn for the event loop between two long steps, so timers, the admin API and etcd's watch run
// in between (a macrotask: awaiting a resolved promise would give them none).

export const yieldToLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
