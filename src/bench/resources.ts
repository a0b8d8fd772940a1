import type { Resources } from './types.js';

/** Creates the run's shared resources; values are created once per key and closed in reverse order of creation. */
export function createResources(): Resources {
  const values = new Map<string, Promise<unknown>>();
  const closers: (() => Promise<void>)[] = [];
  return {
    get<T>(key: string, create: () => Promise<T>, close: (value: T) => Promise<void>): Promise<T> {
      let p = values.get(key) as Promise<T> | undefined;
      if (!p) {
        p = create();
        values.set(key, p);
        // A failed creation is remembered (the next caller sees the same failure) and has nothing to close.
        closers.push(async () => {
          const v = await p!.catch(() => undefined);
          if (v !== undefined) await close(v);
        });
      }
      return p;
    },
    async closeAll() {
      const errors: unknown[] = [];
      for (const c of closers.splice(0).reverse()) await c().catch((e: unknown) => errors.push(e));
      values.clear();
      if (errors.length) throw errors[0];
    },
  };
}
