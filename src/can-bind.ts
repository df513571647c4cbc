// Whether a listening address is free, for the bind pre-flight before a reload.

/** Whether `host:port` is free to bind, tried with a listener that is closed at once. */
export function canBind(host: string, port: number): boolean {
  try {
    Bun.listen({ hostname: host, port, socket: { data() {} } }).stop(true);
    return true;
  } catch {
    return false;
  }
}
