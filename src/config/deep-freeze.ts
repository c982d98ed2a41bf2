/** Freeze an object graph of plain objects and arrays, in place. */
export function deepFreeze<T>(value: T): T {
  const stack: object[] = [];
  if (typeof value === 'object' && value !== null) stack.push(value);
  for (let v = stack.pop(); v !== undefined; v = stack.pop()) {
    Object.freeze(v);
    for (const key in v) {
      const child = (v as Record<string, unknown>)[key];
      if (typeof child === 'object' && child !== null && !Object.isFrozen(child)) stack.push(child);
    }
  }
  return value;
}
