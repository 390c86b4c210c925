// The configuration schema is what editors show on hover: every property has a description and
// an example, every example is valid for its property, and init writes the schema's own $id.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import AjvModule from 'ajv';
import configSchema from '../../schema/rightsizer.schema.json' with { type: 'json' };
import { SCHEMA_URL } from '../../src/cli/commands/init.ts';

type Node = { properties?: Record<string, Node>; items?: Node; description?: string; examples?: unknown[]; $ref?: string; [k: string]: unknown };
type AjvLike = { compile(schema: object): ((value: unknown) => boolean) & { errors?: unknown } };
const Ajv = ((AjvModule as unknown as { default?: new (o: object) => AjvLike }).default ?? AjvModule) as unknown as new (o: object) => AjvLike;

function properties(node: Node, at: string, out: Array<{ at: string; node: Node }>): void {
  for (const [key, child] of Object.entries(node.properties ?? {})) {
    out.push({ at: `${at}.${key}`, node: child });
    properties(child, `${at}.${key}`, out);
    if (child.items) properties(child.items, `${at}.${key}[]`, out);
  }
}

test('every property of the configuration schema has a description and a valid example', () => {
  const root = configSchema as unknown as Node & { definitions: Record<string, Node> };
  const all: Array<{ at: string; node: Node }> = [];
  properties(root, '', all);
  for (const [name, def] of Object.entries(root.definitions)) properties(def, `#${name}`, all);
  assert.ok(all.length > 80, `${all.length} properties`);
  const ajv = new Ajv({ strict: false, allErrors: true });
  for (const { at, node } of all) {
    const described = node.description ?? (node.$ref ? root.definitions[node.$ref.split('/').pop()!]?.description : undefined);
    assert.ok(described, `${at} has no description`);
    assert.ok(Array.isArray(node.examples) && node.examples.length > 0, `${at} has no example`);
    const validate = ajv.compile({ definitions: root.definitions, ...node });
    for (const example of node.examples!) assert.ok(validate(example), `${at}: example ${JSON.stringify(example)} is invalid: ${JSON.stringify(validate.errors)}`);
  }
});

test('the schema URL init writes is the schema\'s $id', () => {
  assert.equal(SCHEMA_URL, configSchema.$id);
  assert.match(SCHEMA_URL, /^https:\/\/raw\.githubusercontent\.com\/rightsizer\/rightsizer\/main\/schema\/rightsizer\.schema\.json$/);
});
