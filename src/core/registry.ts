import { UserError, listOf } from './errors.js';

/** Something a registry can hold: it is known by its name. */
export interface Named {
  readonly name: string;
}

/** A registry of named things of one kind (students, loss terms, exporters, runners). */
export interface Registry<T extends Named> {
  readonly kind: string;
  /** Adds `item`; refuses a name that is already taken (a programming error, not a user one). */
  register(item: T): T;
  /** The item called `name`, or a {@link UserError} that lists the known names. */
  get(name: string): T;
  has(name: string): boolean;
  names(): string[];
  all(): T[];
}

/** Creates an empty registry; `kind` names it in errors ("unknown student family: x. Must be one of [...]"). */
export function createRegistry<T extends Named>(kind: string): Registry<T> {
  const items = new Map<string, T>();
  return {
    kind,
    register(item) {
      if (items.has(item.name)) throw new Error(`${kind} "${item.name}" is already registered`);
      items.set(item.name, item);
      return item;
    },
    get(name) {
      const item = items.get(name);
      if (!item) throw new UserError(`unknown ${kind}: "${name}". Must be one of ${listOf(items.keys())}`);
      return item;
    },
    has: (name) => items.has(name),
    names: () => [...items.keys()],
    all: () => [...items.values()],
  };
}
