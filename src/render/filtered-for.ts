// The confd-style `for` over a filtered collection, which liquidjs does not take as written. Pure.

const FILTERED_FOR =
  /\{%(-?)\s*for\s+(\w+)\s+in\s+((?:[^%]|%(?!\}))*?\|(?:[^%]|%(?!\}))*?)\s*(-?)%\}/g;

/**
 * liquidjs ignores filters in a `for` tag's collection, so the confd-style
 * `{% for v in "/apps/web/*" | getvs %}` would loop over the pattern string. Rewrite such tags
 * into an `assign` of the filtered value followed by a plain `for`.
 */
export function expandFilteredFor(source: string): string {
  let counter = 0;
  return source.replace(
    FILTERED_FOR,
    (_tag, open: string, variable: string, expression: string, close: string) => {
      const name = `sluice_for_${counter++}`;
      return `{%${open} assign ${name} = ${expression} -%}{% for ${variable} in ${name} ${close}%}`;
    },
  );
}
