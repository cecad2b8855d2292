/** Crash injection for handler tests: a client whose n-th call takes effect and then throws, as a crash would. */
export class Crash extends Error {
  constructor(call: number) {
    super(`injected crash after call ${call}`);
  }
}

/**
 * Wraps clients so that call number `crashAfter` (counted across all wrapped clients)
 * is performed and then throws. `calls` tells how many calls a clean run makes.
 */
export function crashingClients<T extends Record<string, { send: (...a: never[]) => Promise<unknown> }>>(clients: T, crashAfter: number) {
  const state = { calls: 0 };
  const wrapped = {} as T;
  for (const [name, client] of Object.entries(clients)) {
    wrapped[name as keyof T] = new Proxy(client, {
      get(target, prop, receiver) {
        if (prop !== "send") return Reflect.get(target, prop, receiver);
        return async (...args: never[]) => {
          const result = await target.send(...args);
          state.calls++;
          if (state.calls === crashAfter) throw new Crash(state.calls);
          return result;
        };
      },
    }) as T[keyof T];
  }
  return { clients: wrapped, state };
}
