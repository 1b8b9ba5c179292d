// Catalogs are shared by every session of a router (the cache hands out one object), so they are
// frozen: a caller that tried to edit one in place would change routing for everybody.

/** Freezes `value` and everything reachable from it, and returns it. */
export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
