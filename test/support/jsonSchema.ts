// A small JSON Schema check for the report and pc schemas (schemas/*.schema.json), enough for
// what they use: type, const, enum, pattern, required, properties, additionalProperties, items,
// $ref into $defs, oneOf.
export type Schema = Record<string, unknown>;

/** A small JSON Schema check: type, const, enum, pattern, required, properties, items, $ref, oneOf. */
export function validate(schema: Schema, root: Schema, v: unknown, path: string, errors: string[]): void {
  if (typeof schema.$ref === 'string') {
    const name = schema.$ref.replace('#/$defs/', '');
    validate((root.$defs as Record<string, Schema>)[name]!, root, v, path, errors);
  }
  if (Array.isArray(schema.oneOf)) {
    const ok = (schema.oneOf as Schema[]).filter((s) => {
      const e: string[] = [];
      validate(s, root, v, path, e);
      return e.length === 0;
    });
    if (ok.length !== 1) errors.push(`${path}: matches ${ok.length} of oneOf`);
  }
  if ('const' in schema && v !== schema.const) errors.push(`${path}: ${JSON.stringify(v)} !== const ${JSON.stringify(schema.const)}`);
  if (Array.isArray(schema.enum) && !schema.enum.includes(v)) errors.push(`${path}: ${JSON.stringify(v)} not in enum`);
  if (schema.type !== undefined) {
    const types = Array.isArray(schema.type) ? (schema.type as string[]) : [schema.type as string];
    const actual = v === null ? 'null' : Array.isArray(v) ? 'array' : Number.isInteger(v) ? 'integer' : typeof v;
    if (!types.includes(actual) && !(actual === 'integer' && types.includes('number'))) errors.push(`${path}: ${actual} is not ${types.join('|')}`);
  }
  if (typeof schema.pattern === 'string' && typeof v === 'string' && !new RegExp(schema.pattern).test(v)) errors.push(`${path}: "${v}" !~ ${schema.pattern}`);
  if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
    const o = v as Record<string, unknown>;
    for (const k of (schema.required as string[] | undefined) ?? []) if (!(k in o)) errors.push(`${path}: missing ${k}`);
    const props = (schema.properties as Record<string, Schema> | undefined) ?? {};
    for (const [k, val] of Object.entries(o)) {
      if (props[k]) validate(props[k], root, val, `${path}.${k}`, errors);
      else if (schema.additionalProperties && typeof schema.additionalProperties === 'object') validate(schema.additionalProperties as Schema, root, val, `${path}.${k}`, errors);
    }
  }
  if (Array.isArray(v) && schema.items) v.forEach((x, i) => validate(schema.items as Schema, root, x, `${path}[${i}]`, errors));
}
