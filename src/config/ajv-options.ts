// ajv's options for the configuration and policy schemas: one place, because the validators
// compiled ahead of time (scripts/build-validators.ts) must behave as a run-time compile would.
// verbose: errors carry their parent schema (its `x-hint` and known keys make the messages).
export const AJV_OPTIONS = { allErrors: true, verbose: true, strict: false, allowUnionTypes: true } as const;
