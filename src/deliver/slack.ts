// Tells Slack what rightsizer proposed: a Block Kit message with the headline figures and a link
// to the pull request, through an incoming webhook or a bot token. With a bot token the first
// message is posted with chat.postMessage and later changes of the same PR edit it in place
// with chat.update (the caller persists channel + ts through SlackState).
//
// Slack is a notification, never a reason to fail a run: every failure (HTTP error, network
// error, `ok: false`) comes back as { ok: false, error } with one log line. The webhook URL and
// the token are secrets: they never appear in a log line or an error.

import { redact } from './redact.ts';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { InputError } from '../core/errors.ts';
import type { Recommendation } from '../core/types.ts';
import type { SlackConfig } from '../config/types.ts';
import { formatMoney } from '../core/money.ts';
import { monthlyTotalText } from '../core/plan.ts';
import { plural } from '../core/text.ts';
import { settingChanges, settingLine } from '../core/changes.ts';
import { workloadName } from './pr-body.ts';
import type { PullRequestGroup } from './types.ts';
import { attentionText, type Attention } from '../recommend/attention.ts';

export interface SlackEvent {
  action: 'opened' | 'updated';
  group: PullRequestGroup;
  /** `number` is 'new' in a dry run's preview of a pull request not opened yet. */
  pr: { number: number | 'new'; url: string; title: string };
  /** Protected or frozen workloads in trouble (needsAttention of the whole plan). */
  attention?: Attention[];
  /** Why this pull request exists, when it is not a plain recommendation (an undo after a regression). */
  note?: string;
}

export interface SlackMessage {
  text: string;
  blocks: object[];
}

export interface SlackMessageRef {
  channel: string;
  ts: string;
}

/** Where the caller keeps the Slack message of each PR, so a later run edits it instead of posting again. */
export interface SlackState {
  get(prKey: string): SlackMessageRef | undefined;
  set(prKey: string, ref: SlackMessageRef): void;
}

export interface SlackResult {
  ok: boolean;
  error?: string;
  ts?: string;
  channel?: string;
}

export interface NotifyOptions {
  fetch?: typeof fetch;
  log?: (line: string) => void;
  state?: SlackState;
  env?: NodeJS.ProcessEnv;
  /** Per request; default 10 s. */
  timeoutMs?: number;
}

/** Block Kit limits (https://api.slack.com/reference/block-kit/blocks). */
export const SLACK_LIMITS = { blocks: 50, sectionText: 3000, headerText: 150, fields: 10, fieldText: 2000, buttonText: 75, contextElements: 10, fallbackText: 4000 } as const;

export const DEFAULT_SLACK_API = 'https://slack.com/api';

/** Top changes listed in the message; the PR has the rest. */
const TOP_CHANGES = 5;

// ---------------------------------------------------------------------------
// The message (pure).

/** Slack mrkdwn/plain text: `&`, `<`, `>` are control characters. */
function esc(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Cuts to `max` characters (UTF-16 units, as Slack counts) with an ellipsis. */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  let cut = text.slice(0, max - 1);
  // Do not leave half a surrogate pair or a dangling escape.
  if (/[\uD800-\uDBFF]$/.test(cut)) cut = cut.slice(0, -1);
  cut = cut.replace(/&[a-z]{0,4}$/, '');
  return `${cut}…`;
}

/** `*a*` with the mrkdwn link of the PR; `|` and `>` would end the link label. */
function link(url: string, label: string): string {
  return `<${url.replace(/[<>|\s]/g, encodeURIComponent)}|${esc(label).replace(/\|/g, '¦')}>`;
}

const CLOUD_NAMES: Record<string, string> = { aws: 'AWS', gcp: 'Google Cloud', azure: 'Azure', 'on-prem': 'on-premises' };

/** The settings that change, written as in the PR table (`api CPU request 2 → 1, replicas 3 → 2`). */
function changesOf(rec: Recommendation): string {
  const many = rec.containers.length > 1;
  return settingChanges(rec).map(c => settingLine(c, many)).join(', ');
}

/** Largest saving first; ties by id so the order never depends on the input order. */
function topChanges(recs: Recommendation[]): Recommendation[] {
  return [...recs].sort((a, b) => (a.cost?.monthly ?? 0) - (b.cost?.monthly ?? 0) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

function verdictTally(recs: Recommendation[]): string {
  const counts = new Map<string, number>();
  for (const r of recs) {
    const v = r.policy ? r.policy.verdict + (r.policy.reportOnly ? ' (report only)' : '') : 'no policy';
    counts.set(v, (counts.get(v) ?? 0) + 1);
  }
  const order = ['accepted', 'clamped', 'rejected'];
  return [...counts].sort(([a], [b]) => {
    const ia = order.indexOf(a), ib = order.indexOf(b);
    return (ia < 0 ? 99 : ia) - (ib < 0 ? 99 : ib) || (a < b ? -1 : a > b ? 1 : 0);
  }).map(([v, n]) => `${v} ${n}`).join(' · ');
}

function moneyLine(monthly: number, currency: string): string {
  return `${formatMoney(monthly, currency)}/month`;
}

/** Lines joined while they fit in `max`; the ones left out (plus `notListed`) are counted. */
function fitLines(lines: string[], max: number, notListed: number, more: (n: number) => string): string {
  const out: string[] = [];
  for (const line of lines) {
    const left = lines.length - out.length - 1 + notListed;
    const candidate = [...out, line, ...(left > 0 ? [more(left)] : [])].join('\n');
    if (candidate.length > max) break;
    out.push(line);
  }
  const left = lines.length - out.length + notListed;
  return truncate([...out, ...(left > 0 ? [more(left)] : [])].join('\n'), max);
}

function section(text: string): object {
  return { type: 'section', text: { type: 'mrkdwn', text: truncate(text, SLACK_LIMITS.sectionText) } };
}

/** The Block Kit message for one PR event, within Slack's limits, with a fallback `text`. */
/** Protected or frozen workloads that are OOM-killed or throttled, with the raise that would fix them. */
function attentionBlock(items: Attention[]): object | undefined {
  if (items.length === 0) return undefined;
  const lines = items.map(a => {
    const t = attentionText(a);
    return `• \`${esc(a.id)}\` ${esc(t.trouble)}. Fix: ${esc(t.fix)}`;
  });
  return section(`*Needs attention (protected or frozen, not edited)*\n${fitLines(lines, SLACK_LIMITS.sectionText - 20, 0, n => `…and ${n} more`)}`);
}

export function slackMessage(event: SlackEvent): SlackMessage {
  const { group, pr, action } = event;
  const t = group.totals;
  const recs = group.recommendations;
  const verb = action === 'opened' ? 'opened' : 'updated';
  const money = monthlyTotalText(t, recs);
  const clouds = t.clouds.map(c => CLOUD_NAMES[c] ?? c).join(', ') || '—';
  const approvals = [...new Set(recs.flatMap(r => r.policy?.approvals ?? []))].sort();

  const headline = money === 'not priced' ? 'not priced' : t.monthly < 0 ? `saves ${formatMoney(Math.abs(t.monthly), t.currency).replace(/^[+−]/, '')}/month` : t.monthly > 0 ? `adds ${formatMoney(t.monthly, t.currency).replace(/^\+/, '')}/month` : 'no cost change';
  const number = typeof pr.number === 'number' ? `#${pr.number}` : 'a pull request';
  const header = truncate(`rightsizer ${verb} ${number}: ${plural(t.workloads, 'workload')}, ${headline}`, SLACK_LIMITS.headerText);

  const fields = [
    `*Monthly change*\n${money}`,
    `*Workloads*\n${t.workloads}`,
    `*Clouds*\n${esc(clouds)}`,
    `*Policy*\n${esc(verdictTally(recs) || '—')}`,
    `*Branch*\n\`${esc(group.branch)}\``,
    ...(approvals.length ? [`*Approval needed*\n${esc(approvals.join(', '))}`] : []),
  ].slice(0, SLACK_LIMITS.fields).map(text => ({ type: 'mrkdwn', text: truncate(text, SLACK_LIMITS.fieldText) }));

  const blocks: object[] = [
    { type: 'header', text: { type: 'plain_text', text: header, emoji: false } },
    section(`*${link(pr.url, truncate(pr.title, 500))}*`),
    ...(event.note ? [section(truncate(esc(event.note), SLACK_LIMITS.sectionText))] : []),
    { type: 'section', fields },
  ];

  const top = topChanges(recs);
  if (top.length) {
    const lines = top.slice(0, TOP_CHANGES).map(r => {
      const cost = r.cost ? ` (${moneyLine(r.cost.monthly, r.cost.currency)})` : '';
      return `• \`${esc(workloadName(r))}\` ${esc(changesOf(r))}${cost}`;
    });
    const notListed = top.length - lines.length;
    blocks.push(section(`*Top changes*\n${fitLines(lines, SLACK_LIMITS.sectionText - 20, notListed, n => `…and ${n} more in the pull request`)}`));
  }

  const attention = attentionBlock(event.attention ?? []);
  if (attention) blocks.push(attention);

  const caveats = [...new Set(recs.map(r => r.cost?.caveat).filter((c): c is string => Boolean(c)))].sort();
  if (caveats.length) {
    blocks.push({
      type: 'context',
      elements: caveats.slice(0, SLACK_LIMITS.contextElements).map(c => ({ type: 'mrkdwn', text: truncate(esc(c), SLACK_LIMITS.sectionText) })),
    });
  }
  blocks.push({
    type: 'actions',
    elements: [{ type: 'button', text: { type: 'plain_text', text: 'Review the pull request', emoji: false }, url: pr.url.slice(0, 3000), action_id: 'rightsizer-open-pr' }],
  });

  const text = truncate(`rightsizer ${verb} ${typeof pr.number === 'number' ? `pull request #${pr.number}` : 'a pull request'} "${pr.title}": ${plural(t.workloads, 'workload')}, ${money}. ${pr.url}`, SLACK_LIMITS.fallbackText);
  return { text, blocks: blocks.slice(0, SLACK_LIMITS.blocks) };
}

/** A plain alert (drift found by `rightsizer verify`): a header, one line per item, a link. */
export function slackAlert(title: string, lines: string[], link?: { url: string; label: string }): SlackMessage {
  const blocks: object[] = [
    { type: 'header', text: { type: 'plain_text', text: truncate(title, SLACK_LIMITS.headerText), emoji: false } },
    section(fitLines(lines.map(l => `• ${esc(l)}`), SLACK_LIMITS.sectionText - 20, 0, n => `…and ${n} more`)),
  ];
  if (link) blocks.push({ type: 'actions', elements: [{ type: 'button', text: { type: 'plain_text', text: truncate(link.label, SLACK_LIMITS.buttonText), emoji: false }, url: link.url.slice(0, 3000), action_id: 'rightsizer-open-link' }] });
  return { text: truncate(`${title}: ${lines.join('; ')}`, SLACK_LIMITS.fallbackText), blocks };
}

// ---------------------------------------------------------------------------
// State.

export function memorySlackState(initial: Record<string, SlackMessageRef> = {}): SlackState & { entries(): Record<string, SlackMessageRef> } {
  const map = new Map(Object.entries(initial));
  return {
    get: key => map.get(key),
    set: (key, ref) => { map.set(key, { channel: ref.channel, ts: ref.ts }); },
    entries: () => Object.fromEntries([...map].sort(([a], [b]) => (a < b ? -1 : 1))),
  };
}

/**
 * A JSON file `{ "<pr url>": { "channel": "C…", "ts": "…" } }`, read once now and rewritten
 * (atomically) on every set. A missing file is an empty state; an unreadable one is an InputError.
 */
export function fileSlackState(file: string): SlackState {
  let initial: Record<string, SlackMessageRef> = {};
  let text: string | undefined;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new InputError(file, `cannot read the Slack state file: ${(err as Error).message}`);
  }
  if (text !== undefined && text.trim() !== '') {
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch (err) {
      throw new InputError(file, `the Slack state file is not JSON (${(err as Error).message})`, {}, 'delete it to start again; rightsizer will post new messages');
    }
    if (typeof data !== 'object' || data === null || Array.isArray(data)) throw new InputError(file, 'the Slack state file must hold an object of { channel, ts } by pull request');
    for (const [key, ref] of Object.entries(data as Record<string, unknown>)) {
      const r = ref as Partial<SlackMessageRef> | null;
      if (!r || typeof r.channel !== 'string' || typeof r.ts !== 'string') throw new InputError(file, `entry "${key}" needs string fields channel and ts`);
      initial[key] = { channel: r.channel, ts: r.ts };
    }
  }
  const memory = memorySlackState(initial);
  initial = {};
  return {
    get: key => memory.get(key),
    set: (key, ref) => {
      memory.set(key, ref);
      const tmp = `${file}.${process.pid}.tmp`;
      writeFileSync(tmp, `${JSON.stringify(memory.entries(), null, 2)}\n`);
      renameSync(tmp, file);
    },
  };
}

// ---------------------------------------------------------------------------
// Sending.

function redactor(secrets: Array<string | undefined>): (text: string) => string {
  const list: string[] = [];
  for (const s of secrets) {
    if (!s || s.length < 4) continue;
    list.push(s);
    try { const u = new URL(s); if (u.pathname.length > 1) list.push(u.pathname); } catch { /* not a URL */ }
  }
  list.sort((a, b) => b.length - a.length);
  return text => list.reduce((t, s) => t.split(s).join('[redacted]'), text);
}

interface Sent {
  ok: boolean;
  status?: number;
  body?: string;
  json?: Record<string, unknown>;
  error?: string;
}

function networkError(err: unknown): string {
  const e = err as { name?: string; cause?: { code?: string; name?: string } };
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError') return 'timed out';
  const code = e?.cause?.code ?? e?.cause?.name;
  return code ? `network error (${code})` : 'network error';
}

async function post(doFetch: typeof fetch, url: string, payload: unknown, headers: Record<string, string>, timeoutMs: number): Promise<Sent> {
  let res: Response;
  try {
    res = await doFetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
      body: redact(JSON.stringify(payload)),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (err) {
    return { ok: false, error: networkError(err) };
  }
  let body = '';
  try { body = await res.text(); } catch (err) { return { ok: false, status: res.status, error: networkError(err) }; }
  if (res.status === 429) return { ok: false, status: 429, error: `rate limited (HTTP 429${res.headers.get('retry-after') ? `, retry after ${res.headers.get('retry-after')} s` : ''})` };
  if (!res.ok) return { ok: false, status: res.status, body, error: `HTTP ${res.status}${body.trim() ? `: ${truncate(body.trim().replace(/\s+/g, ' '), 120)}` : ''}` };
  let json: Record<string, unknown> | undefined;
  try { json = JSON.parse(body) as Record<string, unknown>; } catch { /* the webhook answers plain "ok" */ }
  return { ok: true, status: res.status, body, json };
}

async function callApi(doFetch: typeof fetch, apiUrl: string, method: string, token: string, payload: object, timeoutMs: number): Promise<SlackResult> {
  const sent = await post(doFetch, `${apiUrl.replace(/\/+$/, '')}/${method}`, payload, { authorization: `Bearer ${token}` }, timeoutMs);
  if (!sent.ok) return { ok: false, error: `${method}: ${sent.error}` };
  if (!sent.json) return { ok: false, error: `${method}: the answer is not JSON` };
  if (sent.json.ok !== true) return { ok: false, error: `${method}: ${typeof sent.json.error === 'string' ? sent.json.error : 'ok is false'}` };
  return { ok: true, channel: typeof sent.json.channel === 'string' ? sent.json.channel : undefined, ts: typeof sent.json.ts === 'string' ? sent.json.ts : undefined };
}

/** The key a PR's Slack message is kept under. */
export function slackStateKey(event: SlackEvent): string {
  return event.pr.url;
}

/** A message edited with chat.update that Slack no longer has: post a new one instead. */
const GONE = /message_not_found|cant_update_message|channel_not_found|is_archived/;

/** Posts (or, with a bot token and a known ts, updates) the Slack message of one PR event. */
export async function notifySlack(event: SlackEvent, config: SlackConfig, options: NotifyOptions = {}): Promise<SlackResult> {
  return sendSlackMessage(() => slackMessage(event), { key: slackStateKey(event), what: `pull request #${event.pr.number}` }, config, options);
}

/**
 * Posts one message (or, with a bot token and a message already posted under `key`, edits it).
 * Never throws: failures come back as { ok: false, error } with one log line.
 */
export async function sendSlackMessage(build: () => SlackMessage, about: { key: string; what: string }, config: SlackConfig, options: NotifyOptions = {}): Promise<SlackResult> {
  const log = options.log ?? (() => {});
  const env = options.env ?? process.env;
  const token = config.botTokenEnv ? env[config.botTokenEnv] : undefined;
  const webhook = config.webhookUrlEnv ? env[config.webhookUrlEnv] : undefined;
  const redact = redactor([token, webhook]);
  const what = about.what;
  const fail = (error: string): SlackResult => {
    const clean = redact(error);
    log(`slack: could not notify about ${what}: ${clean}`);
    return { ok: false, error: clean };
  };
  try {
    const doFetch = options.fetch ?? fetch;
    const timeoutMs = options.timeoutMs ?? 10_000;
    const message = build();

    if (token) {
      const apiUrl = config.apiUrl ?? DEFAULT_SLACK_API;
      const key = about.key;
      const previous = options.state?.get(key);
      if (previous) {
        const updated = await callApi(doFetch, apiUrl, 'chat.update', token, { channel: previous.channel, ts: previous.ts, ...message }, timeoutMs);
        if (updated.ok) {
          const ref = { channel: updated.channel ?? previous.channel, ts: updated.ts ?? previous.ts };
          log(`slack: updated the message of ${what} in ${ref.channel}`);
          return { ok: true, ...ref };
        }
        if (!GONE.test(updated.error ?? '')) return fail(updated.error ?? 'chat.update failed');
        // The old message is gone: fall through and post a new one.
      }
      if (!config.channel) return fail('slack.channel is required with a bot token');
      const posted = await callApi(doFetch, apiUrl, 'chat.postMessage', token, { channel: config.channel, ...message, unfurl_links: false, unfurl_media: false }, timeoutMs);
      if (!posted.ok) return fail(posted.error ?? 'chat.postMessage failed');
      if (!posted.channel || !posted.ts) return fail('chat.postMessage: the answer has no channel or ts');
      options.state?.set(key, { channel: posted.channel, ts: posted.ts });
      log(`slack: posted ${what} to ${posted.channel}`);
      return { ok: true, channel: posted.channel, ts: posted.ts };
    }

    if (webhook) {
      const sent = await post(doFetch, webhook, message, {}, timeoutMs);
      if (!sent.ok) return fail(`webhook: ${sent.error}`);
      log(`slack: posted ${what} through the incoming webhook`);
      return { ok: true };
    }

    const missing = [config.botTokenEnv, config.webhookUrlEnv].filter(Boolean);
    return fail(missing.length ? `environment variable ${missing.join(' / ')} is not set` : 'no webhookUrlEnv or botTokenEnv in the slack configuration');
  } catch (err) {
    // A bug or a state store that failed: still not a reason to fail the run.
    return fail(err instanceof Error ? err.message : String(err));
  }
}
