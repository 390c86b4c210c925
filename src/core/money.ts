// Money as people read it: `−$1,234.50`, `+€12.00`, `CHF 3.10`. Fixed grouping, so output
// never depends on the machine's locale (plans and PR bodies must be byte-for-byte stable).

const SYMBOLS: Record<string, string> = { USD: '$', EUR: '€', GBP: '£', JPY: '¥' };

export interface MoneyFormat {
  /** Digits after the point; 'auto' = none from 100 up (for charts and summaries). Default 2. */
  decimals?: number | 'auto';
  /** Show `+` on positive amounts (deltas). Default true. */
  signed?: boolean;
}

export function formatMoney(amount: number, currency: string, format: MoneyFormat = {}): string {
  const abs = Math.abs(amount);
  const decimals = format.decimals === 'auto' ? (abs >= 100 ? 0 : 2) : (format.decimals ?? 2);
  const rounded = Number(abs.toFixed(decimals));
  const [whole, fraction] = rounded.toFixed(decimals).split('.');
  const digits = `${whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',')}${fraction === undefined ? '' : `.${fraction}`}`;
  const sign = rounded === 0 ? '' : amount < 0 ? '−' : format.signed === false ? '' : '+';
  const symbol = SYMBOLS[currency];
  return `${sign}${symbol ?? `${currency} `}${digits}`;
}
