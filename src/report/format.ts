// Formatting shared by the report renderers: money, percentages, cloud names, and anomalies
// grouped so that one event seen in a cloud, a cluster, a service and a team is one line.

import type { Anomaly } from '../cost/anomalies.ts';
import { formatMoney as formatMoneyWith } from '../core/money.ts';
import type { Dimension } from '../cost/daily-series.ts';

/** Report figures are amounts, not deltas: no plus sign, and whole units from 100 up. */
export function formatMoney(amount: number, currency: string): string {
  return formatMoneyWith(amount, currency, { decimals: 'auto', signed: false });
}

export const CLOUD_LABEL: Record<string, string> = { aws: 'AWS', gcp: 'Google Cloud', azure: 'Azure', 'on-prem': 'On-premises' };

export function cloudLabel(key: string): string {
  return CLOUD_LABEL[key] ?? key;
}

export function percent(share: number, digits = 1): string {
  return `${(share * 100).toFixed(digits)}%`;
}

export function signedPercent(observed: number, expected: number): string {
  if (!(expected > 0)) return '';
  const p = Math.round(((observed - expected) / expected) * 100);
  return `${p >= 0 ? '+' : '−'}${Math.abs(p)}%`;
}

export const KIND_LABEL: Record<Anomaly['kind'], string> = { spike: 'spike', dip: 'dip', 'level-shift': 'level shift', drift: 'drift' };

export interface AnomalyGroup {
  /** The most specific-to-read anomaly: the cloud when the cloud saw it, else cluster, service, team. */
  lead: Anomaly;
  /** The same event seen in other dimensions. */
  alsoIn: Anomaly[];
}

const ORDER: Dimension[] = ['provider', 'cluster', 'service', 'team'];

/** One group per event (date and kind); newest first, then by size. */
export function groupAnomalies(anomalies: Anomaly[]): AnomalyGroup[] {
  const groups = new Map<string, Anomaly[]>();
  for (const a of anomalies) {
    const id = `${a.date}|${a.kind}|${a.currency}`;
    const list = groups.get(id);
    if (list) list.push(a);
    else groups.set(id, [a]);
  }
  const out: AnomalyGroup[] = [];
  for (const list of groups.values()) {
    list.sort((a, b) => ORDER.indexOf(a.dimension) - ORDER.indexOf(b.dimension) || Math.abs(b.score) - Math.abs(a.score));
    out.push({ lead: list[0], alsoIn: list.slice(1) });
  }
  return out.sort((a, b) => (a.lead.date < b.lead.date ? 1 : a.lead.date > b.lead.date ? -1 : Math.abs(b.lead.score) - Math.abs(a.lead.score)));
}

export function dimensionLabel(d: Dimension): string {
  return d === 'provider' ? 'cloud' : d;
}

/** `cloud gcp` → `Google Cloud`; other dimensions as `cluster prod-gke`. */
export function anomalySubject(a: Anomaly): string {
  return a.dimension === 'provider' ? cloudLabel(a.key) : `${dimensionLabel(a.dimension)} ${a.key}`;
}

export function anomalyDates(a: Anomaly): string {
  return a.endDate ? `${a.date} → ${a.endDate}` : a.date;
}

export function priceSourceLabel(source: string): string {
  return ({ 'billing-effective': 'billing (effective, net of discounts)', 'list-price': 'list price', 'on-prem-config': 'rightsizer.yaml price table', demo: 'demo' } as Record<string, string>)[source] ?? source;
}

/** A unit price per hour with enough digits to be useful (0.0316 → $0.0316). */
export function unitMoney(value: number, currency: string): string {
  const symbol = ({ USD: '$', EUR: '€', GBP: '£' } as Record<string, string>)[currency];
  const text = value.toFixed(value >= 1 ? 2 : 4);
  return symbol ? `${symbol}${text}` : `${text} ${currency}`;
}
