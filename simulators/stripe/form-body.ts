/**
 * Decodes Stripe's form encoding (the `qs` style its SDKs send): `a[b]=c` nests, `a[0][b]=c` indexes an array,
 * `a[]=x` appends. Arrays come back as objects keyed by index; the parameter schema turns them into arrays.
 */
export type FormValue = string | FormObject;
export interface FormObject {
  [key: string]: FormValue;
}

export function decodeForm(body: string): FormObject {
  const root: FormObject = {};
  for (const [rawKey, value] of new URLSearchParams(body)) {
    const path = keyPath(rawKey);
    let node = root;
    path.forEach((segment, i) => {
      const key = segment === "" ? String(Object.keys(node).length) : segment;
      if (i === path.length - 1) {
        node[key] = value;
        return;
      }
      const next = node[key];
      if (typeof next === "object") node = next;
      else node = node[key] = {};
    });
  }
  return root;
}

/** `line_items[0][price_data][currency]` → ["line_items", "0", "price_data", "currency"]. */
function keyPath(key: string): string[] {
  const open = key.indexOf("[");
  if (open <= 0) return [key];
  const rest = [...key.slice(open).matchAll(/\[([^\]]*)\]/g)].map((m) => m[1]!);
  return [key.slice(0, open), ...rest];
}
